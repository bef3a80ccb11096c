import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { BinaryImage, probeImage } from '../binaryImage';
import { inspectImage, type ImageInfo } from '../image';
import type { ImageInput } from '../input';
import { InputRuleError } from '../inputRuleError';
import type { ImageSpec } from '../types';
import { showFor, type ParameterDefinition, type ParameterReader } from './definition';

const DATA_URL_PREFIX = /^data:[^,]*?;base64,/i;

/** The page's image rules in words, for descriptions and messages. */
function ruleText(spec: ImageSpec): string {
	const megabytes = spec.maxBytes / 1_000_000;
	return `JPG or PNG, under ${megabytes} MB (${spec.maxBytes.toLocaleString('en-US')} bytes), at least ${spec.minSidePx} px wide and high, aspect ratio between 1:2.5 and 2.5:1`;
}

async function readImage(
	reader: ParameterReader,
	spec: ImageSpec,
): Promise<ImageInput | undefined> {
	const source = String(reader.get('imageSource') ?? 'binary');
	if (source === 'url') {
		const url = String(reader.get('imageUrl') ?? '').trim();
		return url ? { source: 'url', url } : undefined;
	}
	if (source === 'base64') {
		const raw = String(reader.get('imageBase64') ?? '');
		const base64 = raw.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
		if (!base64) return undefined;
		if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
			throw new InputRuleError('Image Base64', 'Image Base64 is not valid Base64 data');
		}
		// Sent as the checked bytes re-encoded, so that e.g. missing padding cannot reach the API.
		const bytes = Buffer.from(base64, 'base64');
		return { source: 'base64', base64: bytes.toString('base64'), bytes };
	}
	const property = String(reader.get('binaryPropertyName') ?? 'data');
	const available = reader.binaryNames();
	if (!available.includes(property)) {
		throw new InputRuleError(
			'Input Binary Field',
			`The input item has no binary field "${property}"${available.length ? `; it has ${available.join(', ')}` : ''}`,
		);
	}
	// Streamed through once to check it; read again only when its task is created.
	const file = reader.binary(property);
	const probe = await probeImage(await file.chunks(), spec.maxBytes);
	return { source: 'binary', image: new BinaryImage(file, probe) };
}

/**
 * Checks an image against the page's rules.
 *
 * @param sizeBytes the file's size in bytes
 * @param info its format and pixel size (undefined when it is neither PNG nor JPEG)
 */
function checkImage(sizeBytes: number, info: ImageInfo | undefined, spec: ImageSpec): void {
	if (!info || !spec.formats.includes(info.format)) {
		throw new InputRuleError(
			'Image',
			'The image must be a JPG or PNG file (judged by its content)',
		);
	}
	if (sizeBytes >= spec.maxBytes) {
		throw new InputRuleError(
			'Image',
			`The image is ${sizeBytes.toLocaleString('en-US')} bytes (${(sizeBytes / 1_000_000).toFixed(1)} MB); it must be smaller than ${spec.maxBytes / 1_000_000} MB (${spec.maxBytes.toLocaleString('en-US')} bytes)`,
		);
	}
	if (info.width < spec.minSidePx || info.height < spec.minSidePx) {
		throw new InputRuleError(
			'Image',
			`The image is ${info.width}x${info.height} px; width and height must be at least ${spec.minSidePx} px`,
		);
	}
	const aspect = info.width / info.height;
	if (aspect < spec.minAspect || aspect > spec.maxAspect) {
		throw new InputRuleError(
			'Image',
			`The image is ${info.width}x${info.height} px; its aspect ratio must be between 1:2.5 and 2.5:1`,
		);
	}
}

/**
 * `image` of the image to video page: a binary file, a URL or Base64. Binary and Base64 images are
 * checked against the page's rules before any paid call; a URL is passed on (the API checks it). A
 * binary file is checked from one streamed pass (its size counted in bytes, its format and pixel
 * size from its header) and goes into the body as a {@link BinaryImage}, read and encoded only when
 * its task is created (see `encodeBody`).
 */
export const image: ParameterDefinition<'image'> = {
	key: 'image',
	fields: (spec, models) =>
		[
			{
				displayName: 'Image Source',
				name: 'imageSource',
				type: 'options',
				default: 'binary',
				description: `Where the reference image comes from (${ruleText(spec)})`,
				options: [
					{
						name: 'Binary File',
						value: 'binary',
						description:
							'A file on the input item, e.g. from a Read/Write Files or HTTP Request node',
					},
					{ name: 'URL', value: 'url', description: 'A public image URL the API can download' },
					{ name: 'Base64', value: 'base64', description: 'Base64-encoded image data' },
				],
				displayOptions: showFor(models),
			},
			{
				displayName: 'Input Binary Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				hint: 'The name of the input binary field containing the image',
				description: 'The binary property of the input item that holds the image',
				displayOptions: showFor(models, { imageSource: ['binary'] }),
			},
			{
				displayName: 'Image URL',
				name: 'imageUrl',
				type: 'string',
				default: '',
				placeholder: 'https://example.com/product.png',
				description:
					'The image URL, passed to the API as it is (the API checks the image). Required.',
				displayOptions: showFor(models, { imageSource: ['url'] }),
			},
			{
				displayName: 'Image Base64',
				name: 'imageBase64',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description:
					'The image as Base64. A data:image/...;base64, prefix is removed before sending. Required.',
				displayOptions: showFor(models, { imageSource: ['base64'] }),
			},
		] satisfies INodeProperties[],
	read: readImage,
	check(raw, spec, model) {
		const given = raw as ImageInput | undefined;
		if (!given) throw new InputRuleError('Image', `An image is required for ${model.name}`);
		if (given.source === 'url') {
			if (!/^https?:\/\/\S+$/i.test(given.url)) {
				throw new InputRuleError(
					'Image URL',
					`Image URL must be an http or https URL; got "${given.url}"`,
				);
			}
			return given.url;
		}
		if (given.source === 'binary') {
			checkImage(given.image.probe.sizeBytes, given.image.probe.info, spec);
			return given.image;
		}
		checkImage(given.bytes.length, inspectImage(given.bytes), spec);
		return given.base64;
	},
	toBody: (value, body) => {
		// A BinaryImage stands in the body until the task is created (`encodeBody`).
		if (value !== undefined) body.image = value as IDataObject[string];
	},
};
