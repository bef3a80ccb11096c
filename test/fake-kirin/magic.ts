/**
 * Prompt markers ("prompt magic") that steer a fake task, found anywhere in `prompt`,
 * case-insensitive:
 *
 * | magic            | effect                                                                                          |
 * |------------------|-------------------------------------------------------------------------------------------------|
 * | `[fail:095]`     | task ends `failed` with `error.code` = model's six-digit prefix + `095`, `error_message` "Internal generation error" |
 * | `[fail:096]`     | … `096` "Result parsing error"                                                                   |
 * | `[fail:097]`     | … `097` "HTTP error response"                                                                    |
 * | `[fail:098]`     | … `098` "Status check error"                                                                     |
 * | `[fail:099]`     | … `099` "Task creation error"                                                                    |
 * | `[fail]`         | same as `[fail:095]`                                                                             |
 * | `[never]`        | task never finishes: `pending`, then `processing` forever                                        |
 * | `[videos:N]`     | completed task has N video contents (1..10, clamped): `<id>.mp4`, `<id>_1.mp4`, …                |
 * | `[size:N]`       | each video file is N bytes; suffixes B, KB/MB/GB (×1000), KiB/MiB/GiB (×1024), e.g. `[size:50MB]` |
 * | `[ms:N]`         | this task's own generation time in ms (instead of the server's `generationMs`)                  |
 */
import type { ErrorKind } from './models';

/** What {@link parsePromptMagic} found in a prompt; unset fields mean "server default". */
export interface PromptMagic {
	/** Error kind the task fails with (`[fail:09x]`). */
	fail?: ErrorKind;
	/** `[never]`: the task stays processing. */
	never: boolean;
	/** `[videos:N]`, clamped to 1..10. */
	videos?: number;
	/** `[size:N]` in bytes. */
	sizeBytes?: number;
	/** `[ms:N]`: this task's generation time in ms. */
	generationMs?: number;
}

/**
 * Parses the prompt magic (table in this file's header). Unknown bracket words are ordinary prompt
 * text. Returns `{ never: false }` for a prompt without magic or no prompt.
 */
export function parsePromptMagic(prompt: unknown): PromptMagic {
	const magic: PromptMagic = { never: false };
	if (typeof prompt !== 'string') return magic;
	const fail = /\[fail(?::(09[5-9]))?\]/i.exec(prompt);
	if (fail) magic.fail = (fail[1] ?? '095') as ErrorKind;
	if (/\[never\]/i.test(prompt)) magic.never = true;
	const videos = /\[videos:(\d+)\]/i.exec(prompt);
	if (videos) magic.videos = Math.min(10, Math.max(1, Number(videos[1])));
	const size = /\[size:([^\]]+)\]/i.exec(prompt);
	if (size) {
		const bytes = parseByteSize(size[1]);
		if (bytes !== undefined) magic.sizeBytes = bytes;
	}
	const ms = /\[ms:(\d+)\]/i.exec(prompt);
	if (ms) magic.generationMs = Number(ms[1]);
	return magic;
}

/**
 * Parses a byte size such as `1234`, `200KB`, `50MB`, `1.5 MiB`: B, KB/MB/GB are powers of 1000,
 * KiB/MiB/GiB powers of 1024 (case-insensitive). Returns whole bytes, or undefined when unreadable.
 */
export function parseByteSize(text: string): number | undefined {
	const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$/i.exec(text);
	if (!m) return undefined;
	const factors: Record<string, number> = {
		b: 1,
		kb: 1e3,
		mb: 1e6,
		gb: 1e9,
		kib: 1024,
		mib: 1024 ** 2,
		gib: 1024 ** 3,
	};
	return Math.floor(Number(m[1]) * factors[(m[2] ?? 'b').toLowerCase()]);
}
