import { createHash } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';

/**
 * Switches n8n-core's binary data to filesystem mode, as an n8n server runs by default
 * (`N8N_DEFAULT_BINARY_DATA_MODE=filesystem`): `prepareBinaryData` then streams files to disk under
 * `dir` instead of holding them in memory. Without it, binary data stays in memory (base64).
 *
 * @returns the storage folder
 */
export async function useFilesystemBinaryData(
	dir = mkdtempSync(join(tmpdir(), 'kirin-binary-')),
): Promise<string> {
	const config = Container.get(BinaryDataConfig);
	config.mode = 'filesystem';
	config.localStoragePath = dir;
	await Container.get(BinaryDataService).init();
	return dir;
}

/** The bytes of a binary property, in whichever mode it was stored. */
export async function binaryBytes(binary: IBinaryData): Promise<Buffer> {
	if (binary.id) return await Container.get(BinaryDataService).getAsBuffer(binary);
	return Buffer.from(binary.data, 'base64');
}

/** Hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}
