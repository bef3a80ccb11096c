import type { INodeProperties } from 'n8n-workflow';

/**
 * Fields the Kirin node and the Kirin Trigger share, worded once: Download Video, the output binary
 * field, and the switch that lets downloads reach private addresses.
 */

/**
 * The Download Video switch.
 *
 * @param what the files it downloads, e.g. `each finished video` or `the videos of a completed task`
 */
export function downloadVideoField(what: string): INodeProperties {
	return {
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: false,
		description: `Whether to download ${what} into the output item as binary data, for uploading elsewhere. Video URLs expire; the files do not. Defaults to off.`,
	};
}

/** The output binary field, shown when videos are downloaded. */
export const binaryOutputField: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyOutput',
	type: 'string',
	default: 'data',
	hint: 'The name of the output binary field to put the video in',
	description:
		'The binary property that receives the video. A task with several videos fills data, data_1, data_2 and so on. Defaults to data.',
};

/** Whether downloads may fetch URLs on loopback, private or link-local addresses. */
export const allowPrivateDownloadsField: INodeProperties = {
	displayName: 'Allow Downloads From Private Addresses',
	name: 'allowPrivateDownloads',
	type: 'boolean',
	default: false,
	description:
		'Whether video URLs on this machine or a private network (127.0.0.1, 10.x, 192.168.x, 169.254.x...) may be downloaded, e.g. from a self-hosted file server. Defaults to off, so that a forged URL cannot make n8n fetch an internal page.',
};

/**
 * The Options entries that only matter when videos are downloaded (output field, private
 * addresses), shown when the node's Download Video is on.
 */
export function downloadOptionFields(): INodeProperties[] {
	const shown = { show: { '/downloadVideo': [true] } };
	return [
		{ ...binaryOutputField, displayOptions: shown },
		{ ...allowPrivateDownloadsField, displayOptions: shown },
	];
}

/** The icon of the package's nodes, light and dark. */
export const KIRIN_ICON = {
	light: 'file:../../icons/kirin.svg',
	dark: 'file:../../icons/kirin.dark.svg',
} as const;

/**
 * The Options collection of an operation: shown with `show`, holding the download options first,
 * then `options`.
 *
 * @param show the operation's display conditions
 */
export function optionsCollection(
	show: Record<string, string[]>,
	options: INodeProperties[],
): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [...downloadOptionFields(), ...options],
	};
}
