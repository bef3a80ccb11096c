import {
	NodeOperationError,
	type IBinaryData,
	type IExecuteFunctions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import { videosOf, type Task } from '../task';

/** The n8n contexts that can turn a download into binary data. */
export type DownloadContext = IExecuteFunctions | IWebhookFunctions;

/**
 * The binary property names for a task's videos: `data`, `data_1`, `data_2`... for the base name
 * `data`.
 */
export function binaryPropertyNames(base: string, count: number): string[] {
	return Array.from({ length: count }, (_, index) => (index === 0 ? base : `${base}_${index}`));
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
 * @param signal the execution's cancel signal
 * @returns binary data by property name; file names `<taskId>.mp4`, `<taskId>_1.mp4`...; MIME type
 *   from the response, `video/mp4` when it sends none
 * @throws NodeOperationError naming the task id when a download fails; Get Task can fetch the video
 *   URLs again
 */
export async function downloadVideos(
	context: DownloadContext,
	task: Task,
	baseProperty: string,
	itemIndex: number,
	signal?: AbortSignal,
	timeoutMs = 600_000,
): Promise<Record<string, IBinaryData>> {
	const videos = videosOf(task);
	const names = binaryPropertyNames(baseProperty, videos.length);
	const binary: Record<string, IBinaryData> = {};
	for (const [index, video] of videos.entries()) {
		const fileName = index === 0 ? `${task.taskId}.mp4` : `${task.taskId}_${index}.mp4`;
		try {
			const response = (await context.helpers.httpRequest({
				method: 'GET',
				url: video.url,
				encoding: 'stream',
				returnFullResponse: true,
				timeout: timeoutMs,
				...(signal ? { abortSignal: signal } : {}),
			})) as { body: Parameters<DownloadContext['helpers']['prepareBinaryData']>[0]; headers: Record<string, string | undefined> };
			const mimeType = response.headers['content-type']?.split(';')[0].trim() || 'video/mp4';
			binary[names[index]] = await context.helpers.prepareBinaryData(
				response.body,
				fileName,
				mimeType.startsWith('video/') || mimeType.startsWith('image/') ? mimeType : 'video/mp4',
			);
		} catch (error) {
			signal?.throwIfAborted();
			const reason = (error as Error)?.message ?? String(error);
			throw new NodeOperationError(
				context.getNode(),
				`Downloading the video of task ${task.taskId} failed: ${reason}`,
				{
					description: `The video was generated and paid for. Fetch it again with the Get Task operation (task ID ${task.taskId}) and Download Video on, or use its URL: ${video.url}`,
					itemIndex,
				},
			);
		}
	}
	return binary;
}
