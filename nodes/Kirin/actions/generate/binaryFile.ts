import type { IExecuteFunctions } from 'n8n-workflow';

import type { BinaryFile } from '../../catalog/binaryImage';

/** Chunk size for streaming a stored binary file, in bytes. */
const STREAM_CHUNK_BYTES = 256 * 1024;

/**
 * One of an input item's binary properties as a {@link BinaryFile}, read through n8n's binary data
 * helpers only when asked (planning streams it through once to check it; its create streams it
 * again into the request):
 * - `chunks()` streams a stored file (`helpers.getBinaryStream`, n8n's filesystem, S3 or database
 *   modes) without holding it; in the in-memory mode the item holds the file as Base64 already, and
 *   it is decoded in one piece;
 * - `read()` gives the whole file (`helpers.getBinaryDataBuffer`), in every mode.
 *
 * The size limit is checked on the bytes counted while streaming, not on the binary's metadata:
 * `fileSize` is a rounded text such as `"10 MB"` (for 9,999,999 bytes too), and `bytes` is missing
 * on data from older n8n versions or written by a Code node.
 */
export function itemBinaryFile(
	context: IExecuteFunctions,
	itemIndex: number,
	property: string,
): BinaryFile {
	const read = async () => await context.helpers.getBinaryDataBuffer(itemIndex, property);
	return {
		property,
		read,
		async chunks() {
			const id = context.getInputData()[itemIndex]?.binary?.[property]?.id;
			if (id) return await context.helpers.getBinaryStream(id, STREAM_CHUNK_BYTES);
			return [await read()];
		},
	};
}
