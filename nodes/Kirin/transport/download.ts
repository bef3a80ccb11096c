import {
	NodeOperationError,
	type IBinaryData,
	type IExecuteFunctions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import { videosOf, type Task } from '../task';
import { backoffMs, DEFAULT_RETRY_POLICY, pause, type RetryPolicy } from './retry';

/** The n8n contexts that can turn a download into binary data. */
export type DownloadContext = IExecuteFunctions | IWebhookFunctions;

/**
 * The binary property names for a task's videos: `data`, `data_1`, `data_2`... for the base name
 * `data`.
 */
export function binaryPropertyNames(base: string, count: number): string[] {
	return Array.from({ length: count }, (_, index) => (index === 0 ? base : `${base}_${index}`));
}

type StreamBody = Parameters<DownloadContext['helpers']['prepareBinaryData']>[0];

/**
 * Downloads one video into binary data, retrying as the policy allows.
 *
 * @throws NodeOperationError naming the task id when the last try fails
 */
async function downloadOne(
	context: DownloadContext,
	task: Task,
	url: string,
	fileName: string,
	itemIndex: number,
	signal: AbortSignal | undefined,
	policy: RetryPolicy,
): Promise<IBinaryData> {
	let lastError: unknown;
	for (let attempt = 0; attempt <= policy.maxRetries; attempt++) {
		if (attempt > 0) await pause(backoffMs(policy, attempt - 1), signal);
		try {
			const response = (await context.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				// Until the answer starts; the body then streams for as long as it takes.
				timeout: policy.requestTimeoutMs,
				...(signal ? { abortSignal: signal } : {}),
			})) as { body: StreamBody; headers: Record<string, string | undefined> };
			const mimeType = response.headers['content-type']?.split(';')[0].trim() ?? '';
			return await context.helpers.prepareBinaryData(
				response.body,
				fileName,
				mimeType.startsWith('video/') || mimeType.startsWith('image/') ? mimeType : 'video/mp4',
			);
		} catch (error) {
			signal?.throwIfAborted();
			lastError = error;
		}
	}
	const reason = (lastError as Error)?.message ?? String(lastError);
	throw new NodeOperationError(
		context.getNode(),
		`Downloading the video of task ${task.taskId} failed: ${reason}`,
		{
			description: `The video was generated and paid for. Fetch it again with the Get Task operation (task ID ${task.taskId}) and Download Video on, or use its URL: ${url}`,
			itemIndex,
		},
	);
}

/**
 * Downloads every video of a completed task into n8n binary data. Each file is fetched with n8n's
 * `helpers.httpRequest` as a stream and handed to `helpers.prepareBinaryData`, so in n8n's
 * filesystem or S3 binary data mode the video is never held in memory whole. The video URLs are
 * presigned by the API, so no credential is sent with them.
 *
 * @param context the node's execute or webhook context
 * @param task a completed task with at least one video
 * @param baseProperty the first binary property name (`options.binaryPropertyOutput`, default `data`)
 * @param itemIndex the item the error names
 * @param signal the execution's cancel signal
 * @param policy retries for a download that fails (network error or error status): up to
 *   `maxRetries` more tries with backoff, each starting the file over
 * @returns binary data by property name; file names `<taskId>.mp4`, `<taskId>_1.mp4`...; MIME type
 *   from the response, `video/mp4` when it sends none
 * @throws NodeOperationError naming the task id when a download still fails; Get Task can fetch the
 *   video URLs again
 */
export async function downloadVideos(
	context: DownloadContext,
	task: Task,
	baseProperty: string,
	itemIndex: number,
	signal?: AbortSignal,
	policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<Record<string, IBinaryData>> {
	const videos = videosOf(task);
	const names = binaryPropertyNames(baseProperty, videos.length);
	const binary: Record<string, IBinaryData> = {};
	for (const [index, video] of videos.entries()) {
		const fileName = index === 0 ? `${task.taskId}.mp4` : `${task.taskId}_${index}.mp4`;
		binary[names[index]] = await downloadOne(
			context,
			task,
			video.url,
			fileName,
			itemIndex,
			signal,
			policy,
		);
	}
	return binary;
}
