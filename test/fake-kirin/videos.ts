/**
 * The fake's video files: names, deterministic bytes of any size streamed in chunks, their
 * SHA-256, and the seeded PRNG (mulberry32) behind both the bytes and the callback shuffle delays.
 */
import { createHash } from 'node:crypto';

/** File name of a task's video: index 0 is `<taskId>.mp4`, index n ≥ 1 is `<taskId>_<n>.mp4`. */
export function videoFileName(taskId: string, index: number): string {
	return index === 0 ? `${taskId}.mp4` : `${taskId}_${index}.mp4`;
}

/** An ISO BMFF `ftyp` box (isom/mp41), so that content sniffers see an MP4. */
const MP4_HEADER = Buffer.from(
	'00000018667479706973 6f6d00000200 69736f6d6d703431'.replace(/ /g, ''),
	'hex',
);

/**
 * A mulberry32 generator of unsigned 32-bit integers from a 32-bit seed: each call advances the
 * state and returns the next value (0..2^32-1).
 */
export function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	};
}

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
	const next = mulberry32(seed);
	return () => next() / 4294967296;
}

/**
 * The bytes of a fake video file, in chunks of `chunkSize` bytes (the last may be shorter), so that
 * a file of any size is never held in memory. Deterministic: a PRNG (mulberry32) seeded by the
 * FNV-1a hash of the file name ({@link videoFileName}); the first 24 bytes are an MP4 `ftyp` box
 * when the file is that long. The first k bytes do not depend on `size`.
 */
export function* videoChunks(
	fileName: string,
	size: number,
	chunkSize = 64 * 1024,
): Generator<Buffer> {
	let seed = 0x811c9dc5;
	for (let i = 0; i < fileName.length; i++) {
		seed ^= fileName.charCodeAt(i);
		seed = Math.imul(seed, 0x01000193) >>> 0;
	}
	const next = mulberry32(seed);
	const step = chunkSize - (chunkSize % 4) || 4;
	for (let offset = 0; offset < size; offset += step) {
		const length = Math.min(step, size - offset);
		const chunk = Buffer.allocUnsafe(length + 3);
		for (let i = 0; i < length; i += 4) chunk.writeUInt32LE(next(), i);
		if (offset === 0 && size >= MP4_HEADER.length) MP4_HEADER.copy(chunk, 0);
		yield chunk.subarray(0, length);
	}
}

/** Hex SHA-256 of the video file `index` of `taskId` when it is `size` bytes, as the fake serves it. */
export function expectedVideoSha256(taskId: string, index: number, size: number): string {
	const hash = createHash('sha256');
	for (const chunk of videoChunks(videoFileName(taskId, index), size)) hash.update(chunk);
	return hash.digest('hex');
}
