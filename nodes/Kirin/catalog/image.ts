/**
 * What an image file is, read from its bytes rather than its name: the format and the pixel size, as
 * the image rules of the image to video page need them.
 */

/** An image's format and size in pixels. */
export interface ImageInfo {
	format: 'png' | 'jpeg';
	width: number;
	height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads the format and dimensions of a PNG (from its IHDR chunk) or a JPEG (from its first
 * start-of-frame marker).
 *
 * @param bytes the whole file, or at least its header
 * @returns the format and size, or undefined when the bytes are neither PNG nor JPEG, or the header
 *   is cut short
 */
export function inspectImage(bytes: Uint8Array): ImageInfo | undefined {
	if (PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) return readPng(bytes);
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes);
	return undefined;
}

function readPng(bytes: Uint8Array): ImageInfo | undefined {
	if (bytes.length < 24) return undefined;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
}

function readJpeg(bytes: Uint8Array): ImageInfo | undefined {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let offset = 2;
	while (offset + 9 < bytes.length) {
		if (bytes[offset] !== 0xff) return undefined;
		const marker = bytes[offset + 1];
		if (marker === 0xff) {
			offset += 1;
			continue;
		}
		// Standalone markers carry no length.
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
			offset += 2;
			continue;
		}
		const length = view.getUint16(offset + 2);
		// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) hold the frame size.
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			return {
				format: 'jpeg',
				height: view.getUint16(offset + 5),
				width: view.getUint16(offset + 7),
			};
		}
		offset += 2 + length;
	}
	return undefined;
}
