import type { IDataObject } from 'n8n-workflow';

import type { CheckedInput } from './input';
import { PARAMETERS } from './parameters';

/**
 * Builds the body of `POST /v1/videos/generations` from checked parameters: `model`, then each
 * parameter under the page's name and type through the registry (`prompt`, `negative_prompt`,
 * `image`, `duration`, `aspect_ratio`, `mode`, `sound`, `cfg_scale`, `camera_control`,
 * `watermark_info`), then `callback_url` and `external_task_id`. Parameters without a value (no page default) are
 * omitted;
 * `checkInput` already left out every parameter the model's page does not list.
 *
 * @param input the output of `checkInput`
 * @param externalTaskId the id that makes the create idempotent (the user's, or one the node derived)
 * @param callbackUrl where the API should POST status changes, when any
 * @returns a JSON object ready to send, but for a binary image: `image` is then a `BinaryImage`,
 *   which `encodeBody` (`binaryImage.ts`) replaces by the file's Base64 when the task is created
 */
export function buildRequestBody(
	input: CheckedInput,
	externalTaskId: string | undefined,
	callbackUrl: string | undefined,
): IDataObject {
	const body: IDataObject = { model: input.model.id };
	const values = input as unknown as Record<string, unknown>;
	for (const definition of PARAMETERS) {
		if (input.model.parameters[definition.key] === undefined) continue;
		definition.toBody(values[definition.key], body);
	}
	if (callbackUrl !== undefined) body.callback_url = callbackUrl;
	if (externalTaskId !== undefined) body.external_task_id = externalTaskId;
	return body;
}
