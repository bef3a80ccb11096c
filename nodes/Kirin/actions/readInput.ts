import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { GenerateInput, ImageInput } from '../catalog/input';
import type { KirinModel } from '../catalog/models';
import { InputRuleError } from '../catalog/validate';

const DATA_URL_PREFIX = /^data:[^,]*?;base64,/i;

function parameter(context: IExecuteFunctions, name: string, itemIndex: number): unknown {
	return context.getNodeParameter(name, itemIndex, null) ?? undefined;
}

async function readImage(
	context: IExecuteFunctions,
	itemIndex: number,
): Promise<ImageInput | undefined> {
	const source = String(parameter(context, 'imageSource', itemIndex) ?? 'binary');
	if (source === 'url') {
		const url = String(parameter(context, 'imageUrl', itemIndex) ?? '').trim();
		return url ? { source: 'url', url } : undefined;
	}
	if (source === 'base64') {
		const raw = String(parameter(context, 'imageBase64', itemIndex) ?? '');
		const base64 = raw.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
		if (!base64) return undefined;
		if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
			throw new InputRuleError('Image Base64', 'Image Base64 is not valid Base64 data');
		}
		// Sent as the checked bytes re-encoded, so that e.g. missing padding cannot reach the API.
		const bytes = Buffer.from(base64, 'base64');
		return { source: 'base64', base64: bytes.toString('base64'), bytes };
	}
	const property = String(parameter(context, 'binaryPropertyName', itemIndex) ?? 'data');
	const item = context.getInputData()[itemIndex];
	if (!item?.binary?.[property]) {
		const available = Object.keys(item?.binary ?? {});
		throw new InputRuleError(
			'Input Binary Field',
			`The input item has no binary field "${property}"${available.length ? `; it has ${available.join(', ')}` : ''}`,
		);
	}
	const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
	return { source: 'binary', base64: bytes.toString('base64'), bytes };
}

/**
 * Reads one item's Generate Video parameters for a model, with expressions resolved: only the
 * parameters the model's page lists, each undefined when its field is hidden or empty. A binary
 * image is read through n8n's `helpers.getBinaryDataBuffer`, so it works in every binary data mode.
 *
 * @param context the node's execute context
 * @param itemIndex the input item
 * @param model the catalog entry of the item's model
 * @throws InputRuleError when the image field names a binary property the item does not have, or
 *   the Base64 text is not Base64
 */
export async function readGenerateInput(
	context: IExecuteFunctions,
	itemIndex: number,
	model: KirinModel,
): Promise<GenerateInput> {
	const spec = model.parameters;
	const get = (name: string) => parameter(context, name, itemIndex);
	const options = (context.getNodeParameter('options', itemIndex, {}) ?? {}) as IDataObject;
	const input: GenerateInput = {
		model,
		prompt: get('prompt'),
		callbackUrl: options.callbackUrl,
		externalTaskId: options.externalTaskId,
	};
	if (spec.negativePrompt) input.negativePrompt = get('negativePrompt');
	if (spec.image) input.image = await readImage(context, itemIndex);
	if (spec.duration) input.duration = get('duration');
	if (spec.aspectRatio) input.aspectRatio = get('aspectRatio');
	if (spec.mode) input.mode = get('mode');
	if (spec.sound) input.sound = get('sound');
	if (spec.cfgScale) input.cfgScale = get('cfgScale');
	if (spec.cameraControl) {
		input.cameraControl = {
			type: get('cameraControlType'),
			axis: get('cameraAxis'),
			value: get('cameraValue'),
		};
	}
	if (spec.watermark) input.watermark = get('watermark');
	return input;
}
