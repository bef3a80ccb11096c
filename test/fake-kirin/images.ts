/**
 * The image-to-video model's `image` parameter: an http(s) URL, or bare base64 of a PNG or JPEG
 * whose size, pixel dimensions and aspect ratio are within the model page's limits.
 */

/** Whether `value` is an absolute http or https URL that `new URL` accepts. */
export function isHttpUrl(value: string): boolean {
	if (!/^https?:\/\//i.test(value)) return false;
	try {
		new URL(value);
		return true;
	} catch {
		return false;
	}
}

/** Largest decoded image the i2v page accepts is strictly less than this many bytes (10 MiB). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** Smallest width and height in pixels the i2v page accepts. */
export const MIN_IMAGE_SIDE_PX = 300;
/** Widest aspect ratio (width / height) the i2v page accepts; the narrowest is its inverse (1:2.5). */
export const MAX_IMAGE_ASPECT = 2.5;

/** What {@link inspectImage} finds in an image file's bytes. */
export interface ImageInfo {
	format: 'png' | 'jpeg';
	width: number;
	height: number;
}

/**
 * Reads an image's format and pixel size from its bytes: the PNG signature and IHDR chunk, or the
 * JPEG SOI marker and the first SOF marker (any of C0..CF except C4, C8, CC). Returns an error
 * message (without a parameter name) when the bytes are neither, or truncated.
 */
export function inspectImage(bytes: Buffer): ImageInfo | string {
	const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(png)) {
		if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR')
			return 'PNG without an IHDR chunk';
		return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	}
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
		let i = 2;
		while (i < bytes.length) {
			if (bytes[i] !== 0xff) return 'JPEG with a corrupt marker sequence';
			while (i < bytes.length && bytes[i] === 0xff) i++; // fill bytes
			if (i >= bytes.length) break;
			const marker = bytes[i++];
			if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
			if (marker === 0xd9 || marker === 0xda) break; // EOI or SOS before any SOF
			if (i + 2 > bytes.length) break;
			const length = bytes.readUInt16BE(i);
			if (length < 2) return 'JPEG with a corrupt segment length';
			const isSof =
				marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
			if (isSof) {
				if (i + 7 > bytes.length) break;
				return {
					format: 'jpeg',
					height: bytes.readUInt16BE(i + 3),
					width: bytes.readUInt16BE(i + 5),
				};
			}
			i += length;
		}
		return 'JPEG without a frame header (SOF marker)';
	}
	return 'not a PNG or JPEG file (checked by magic bytes; the page allows .jpg, .jpeg, .png)';
}

/**
 * Checks the i2v `image` parameter (kirin_v2_master_i2v page): an http(s) URL (form only), or bare
 * base64 (no `data:` prefix) that decodes to a PNG or JPEG below {@link MAX_IMAGE_BYTES} bytes with
 * both sides ≥ {@link MIN_IMAGE_SIDE_PX} px and width/height within 1/2.5..2.5. Returns an error
 * message naming `image`, or `undefined` when the image is acceptable.
 */
export function checkImageParam(value: string): string | undefined {
	if (/^https?:/i.test(value)) {
		return isHttpUrl(value) ? undefined : `image: not a valid http(s) URL`;
	}
	if (/^data:/i.test(value)) {
		return 'image: base64 must be sent without a prefix such as data:image/png;base64, (send the bare base64 string)';
	}
	if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
		return 'image: must be an http(s) URL or a bare base64 string (A-Z, a-z, 0-9, +, /, = padding; no whitespace)';
	}
	const bytes = Buffer.from(value, 'base64');
	if (bytes.length >= MAX_IMAGE_BYTES) {
		return `image: file size must be less than 10MB (${MAX_IMAGE_BYTES} bytes), got ${bytes.length} bytes`;
	}
	const info = inspectImage(bytes);
	if (typeof info === 'string') return `image: ${info}`;
	if (info.width < MIN_IMAGE_SIDE_PX || info.height < MIN_IMAGE_SIDE_PX) {
		return `image: width and height must be at least ${MIN_IMAGE_SIDE_PX}px, got ${info.width}x${info.height}`;
	}
	const aspect = info.width / info.height;
	if (aspect > MAX_IMAGE_ASPECT || aspect < 1 / MAX_IMAGE_ASPECT) {
		return `image: aspect ratio must be between 1:2.5 and 2.5:1, got ${info.width}x${info.height}`;
	}
	return undefined;
}
