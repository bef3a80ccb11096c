import type { IDataObject } from 'n8n-workflow';

import type { CheckedInput } from './validate';

/**
 * Builds the body of `POST /v1/videos/generations` (`kirin-api.md`, "Endpoints") from checked
 * parameters: `{model, prompt, negative_prompt, image, duration, aspect_ratio, mode, sound,
 * cfg_scale, camera_control, watermark_info, callback_url, external_task_id}` under the names and
 * types of the seed pages. Parameters the user left unset are omitted; `checkInput` already left out
 * every parameter the model's page does not list.
 *
 * @param input the output of `checkInput`
 * @param externalTaskId the id that makes the create idempotent (the user's, or one the node derived)
 * @param callbackUrl where the API should POST status changes, when any
 * @returns a JSON object ready to send
 */
export function buildRequestBody(
	input: CheckedInput,
	externalTaskId: string | undefined,
	callbackUrl: string | undefined,
): IDataObject {
	const body: IDataObject = { model: input.model.id };
	const set = (name: string, value: unknown) => {
		if (value !== undefined) body[name] = value as IDataObject[string];
	};
	set('prompt', input.prompt);
	set('negative_prompt', input.negativePrompt);
	set('image', input.image);
	set('duration', input.duration);
	set('aspect_ratio', input.aspectRatio);
	set('mode', input.mode);
	if (input.sound !== undefined) body.sound = input.sound ? 'on' : 'off';
	set('cfg_scale', input.cfgScale);
	set('camera_control', input.cameraControl);
	if (input.watermark !== undefined) body.watermark_info = { enabled: input.watermark };
	set('callback_url', callbackUrl);
	set('external_task_id', externalTaskId);
	return body;
}
