import {
	NodeOperationError,
	type IBinaryData,
	type IExecuteFunctions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import type { Task, TaskContent } from '../task';
import { refusedAddress } from './addressGuard';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry';

/** The n8n contexts that can turn a download into binary data. */
export type DownloadContext = IExecuteFunctions | IWebhookFunctions;

/** How downloads behave. */
export interface DownloadSettings {
	/** Retries for a download that fails (network error or error status), each from the start. */
	retry: RetryPolicy;
	/** Whether URLs on loopback, private or link-local addresses may be fetched (off by default). */
	allowPrivateAddresses: boolean;
	/** The execution's cancel signal. */
	signal?: AbortSignal;
}

/** Redirects followed at most for one file, each one checked like the first URL. */
const MAX_REDIRECTS = 5;

/**
 * The binary property names for a task's files: `data`, `data_1`, `data_2`... for the base name
 * `data`.
 */
export function binaryPropertyNames(base: string, count: number): string[] {
	return Array.from({ length: count }, (_, index) => (index === 0 ? base : `${base}_${index}`));
}

type StreamBody = Parameters<DownloadContext['helpers']['prepareBinaryData']>[0];
type StreamResponse = {
	statusCode: number;
	body: StreamBody & { destroy?: () => void };
	headers: Record<string, string | undefined>;
};

class RefusedUrl extends Error {}

/**
 * One GET of a file, following redirects by hand so that every hop is checked: a redirect to a
 * refused address fails like the first URL would.
 */
async function fetchFile(
	context: DownloadContext,
	url: string,
	settings: DownloadSettings,
): Promise<StreamResponse> {
	let current = url;
	for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
		const refusal = settings.allowPrivateAddresses ? undefined : refusedAddress(current);
		if (refusal) throw new RefusedUrl(`The URL ${current} is not downloaded: ${refusal}`);
		const response = (await context.helpers.httpRequest({
			method: 'GET',
			url: current,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			// Until the answer starts; the body then streams for as long as it takes.
			timeout: settings.retry.requestTimeoutMs,
			...(settings.signal ? { abortSignal: settings.signal } : {}),
		})) as StreamResponse;
		const location = response.headers.location;
		if (response.statusCode >= 300 && response.statusCode < 400 && location) {
			response.body.destroy?.();
			current = new URL(location, current).toString();
			continue;
		}
		if (response.statusCode < 200 || response.statusCode >= 300) {
			response.body.destroy?.();
			throw new Error(`Request failed with status code ${response.statusCode}`);
		}
		return response;
	}
	throw new Error(`More than ${MAX_REDIRECTS} redirects`);
}

/**
 * Downloads one file into binary data with the settings' retries.
 *
 * @throws NodeOperationError naming the task id when the last try fails or the URL is refused
 */
async function downloadOne(
	context: DownloadContext,
	task: Task,
	file: TaskContent,
	fileName: string,
	itemIndex: number,
	settings: DownloadSettings,
): Promise<IBinaryData> {
	const giveUp = (reason: unknown) =>
		new NodeOperationError(
			context.getNode(),
			`Downloading the video of task ${task.taskId} failed: ${(reason as Error)?.message ?? String(reason)}`,
			{
				description: `The video was generated and paid for. Fetch it again with the Get Task operation (task ID ${task.taskId}) and Download Video on, or use its URL: ${file.url}`,
				itemIndex,
			},
		);
	return await withRetries<IBinaryData>(
		settings.retry,
		settings.signal,
		async () => {
			try {
				const response = await fetchFile(context, file.url, settings);
				const mimeType = response.headers['content-type']?.split(';')[0].trim() ?? '';
				const fallback = file.type === 'image' ? 'image/png' : 'video/mp4';
				const done = await context.helpers.prepareBinaryData(
					response.body,
					fileName,
					mimeType.startsWith('video/') || mimeType.startsWith('image/') ? mimeType : fallback,
				);
				return { done };
			} catch (error) {
				settings.signal?.throwIfAborted();
				if (error instanceof RefusedUrl) throw giveUp(error);
				return { retry: error };
			}
		},
		giveUp,
	);
}

/**
 * Downloads files of a completed task into n8n binary data. Each file is fetched with n8n's
 * `helpers.httpRequest` as a stream and handed to `helpers.prepareBinaryData`, so in n8n's
 * filesystem or S3 binary data mode the video is never held in memory whole. The URLs are presigned
 * by the API, so no credential is sent with them; each URL and each redirect is checked first
 * (see `addressGuard.ts`).
 *
 * @param files the task's videos (or other contents) to download, in order
 * @param baseProperty the first binary property name (`options.binaryPropertyOutput`, default `data`)
 * @param itemIndex the item the error names
 * @returns binary data by property name; file names `<taskId>.mp4`, `<taskId>_1.mp4`...; MIME type
 *   from the response, `video/mp4` when it sends none
 * @throws NodeOperationError naming the task id when a download still fails or a URL is refused;
 *   Get Task can fetch the video URLs again
 */
export async function downloadFiles(
	context: DownloadContext,
	task: Task,
	files: TaskContent[],
	baseProperty: string,
	itemIndex: number,
	settings: DownloadSettings = { retry: DEFAULT_RETRY_POLICY, allowPrivateAddresses: false },
): Promise<Record<string, IBinaryData>> {
	const names = binaryPropertyNames(baseProperty, files.length);
	const binary: Record<string, IBinaryData> = {};
	for (const [index, file] of files.entries()) {
		const fileName = index === 0 ? `${task.taskId}.mp4` : `${task.taskId}_${index}.mp4`;
		binary[names[index]] = await downloadOne(context, task, file, fileName, itemIndex, settings);
	}
	return binary;
}
