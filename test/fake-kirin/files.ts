/** The fake's video downloads: unauthenticated `GET|HEAD /files/<task_id>[_<n>].mp4`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import type { LedgerEntry } from './ledger';
import { errorBody, resetSocket, send, type ServerContext } from './replies';
import { statusAt, type FakeTaskRecord } from './tasks';
import { videoChunks, videoFileName } from './videos';

/** The task and video index a file name names (`<id>.mp4` is index 0, `<id>_<n>.mp4` index n). */
function findVideo(
	ctx: ServerContext,
	name: string,
): { task: FakeTaskRecord | undefined; index: number } {
	const match = /^(.+?)\.mp4$/.exec(name);
	if (!match) return { task: undefined, index: 0 };
	const task = ctx.store.tasks.get(match[1]);
	const suffixed = /^(.+)_(\d+)$/.exec(match[1]);
	if (!task && suffixed && Number(suffixed[2]) >= 1)
		return { task: ctx.store.tasks.get(suffixed[1]), index: Number(suffixed[2]) };
	return { task, index: 0 };
}

/**
 * Serves a video file of a completed task (404 for any other name, 405 for another method),
 * streamed from {@link videoChunks}; the `downloadFail` fault answers 500 or resets the socket
 * after half the bytes.
 */
export function serveFile(
	ctx: ServerContext,
	entry: LedgerEntry,
	req: IncomingMessage,
	res: ServerResponse,
): void {
	const name = entry.path.slice('/files/'.length);
	const { task, index } = findVideo(ctx, name);
	if (task) entry.taskId = task.taskId;
	if (!task || statusAt(task, Date.now()) !== 'completed' || index >= task.videos) {
		send(ctx, entry, res, {
			status: 404,
			body: errorBody('not_found', `no video file ${JSON.stringify(name)}`),
		});
		return;
	}
	if (req.method !== 'GET' && req.method !== 'HEAD') {
		send(ctx, entry, res, {
			status: 405,
			body: errorBody('method_not_allowed', 'use GET'),
			headers: { allow: 'GET, HEAD' },
		});
		return;
	}
	const failure = ctx.faults.takeDownload();
	if (failure === 'status') {
		entry.fault = 'downloadFail';
		send(ctx, entry, res, {
			status: 500,
			body: errorBody('server_error', 'download failed (injected fault)'),
		});
		return;
	}
	const size = task.videoBytes;
	entry.status = 200;
	res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(size) });
	if (req.method === 'HEAD') {
		res.end();
		return;
	}
	const fileName = videoFileName(task.taskId, index);
	if (failure === 'reset') {
		entry.fault = 'downloadFail';
		const half = Readable.from(videoChunks(fileName, Math.floor(size / 2)));
		half.pipe(res, { end: false });
		half.on('end', () => setImmediate(() => resetSocket(req.socket)));
		return;
	}
	const stream = Readable.from(videoChunks(fileName, size));
	stream.pipe(res);
	res.on('close', () => stream.destroy());
	ctx.log?.(`${req.method} ${entry.path} → 200 (${size} bytes)`);
}
