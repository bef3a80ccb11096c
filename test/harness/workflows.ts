import type { ICredentialDataDecryptedObject, IDataObject, INode, IRun } from 'n8n-workflow';

import { errorOf, outputOf, runWorkflow, type WorkflowJson } from './harness';

/**
 * An input item for {@link kirinWorkflow}: JSON and optional binary files, given as Base64 (`data`)
 * or as a file to stream from disk (`path`).
 */
export interface TestItem {
	json?: IDataObject;
	binary?: Record<string, { data?: string; path?: string; mimeType?: string; fileName?: string }>;
}

/** Node settings of the Kirin node in {@link kirinWorkflow} (n8n's Settings tab). */
export interface KirinNodeSettings {
	/** On Error: "continue (regular output)". */
	continueOnFail?: boolean;
	/** Retry On Fail, with `maxTries` (default 2) and `waitBetweenTries` in ms (default 0). */
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
}

/**
 * The fake Kirin server serves its videos on 127.0.0.1, which Download Video refuses by default:
 * a workflow that downloads allows private addresses, unless the test sets the option itself.
 */
function withLoopbackDownloads(parameters: IDataObject): IDataObject {
	if (parameters.downloadVideo !== true) return parameters;
	const options = (parameters.options ?? {}) as IDataObject;
	if ('allowPrivateDownloads' in options) return parameters;
	return { ...parameters, options: { ...options, allowPrivateDownloads: true } };
}

/**
 * A workflow "Manual Trigger -> Items -> Kirin": the Items node outputs `items` (default: one empty
 * item) and the Kirin node runs with `parameters` and the `kirinApi` credential.
 *
 * @param options the node's settings (see {@link KirinNodeSettings})
 */
export function kirinWorkflow(
	parameters: IDataObject,
	items: TestItem[] = [{ json: {} }],
	options: KirinNodeSettings = {},
): WorkflowJson {
	const kirin: INode = {
		...nodeAt(
			400,
			'kirin-node-1',
			'Kirin',
			'n8n-nodes-kirin.kirin',
			withLoopbackDownloads(parameters),
		),
		credentials: { kirinApi: { id: 'cred-1', name: 'Kirin account' } },
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...(options.retryOnFail
			? {
					retryOnFail: true,
					maxTries: options.maxTries ?? 2,
					waitBetweenTries: options.waitBetweenTries ?? 0,
				}
			: {}),
	};
	return {
		nodes: [
			nodeAt(0, 'trigger-1', 'Manual Trigger', 'n8n-nodes-base.manualTrigger', {}),
			nodeAt(200, 'items-1', 'Items', 'test.items', { items: JSON.stringify(items) }),
			kirin,
		],
		connections: {
			'Manual Trigger': { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'Kirin', type: 'main', index: 0 }]] },
		},
	};
}

/** A version 1 node of `type` at (`x`, 0) with `parameters`. */
function nodeAt(x: number, id: string, name: string, type: string, parameters: IDataObject): INode {
	return {
		id,
		name,
		type,
		typeVersion: 1,
		position: [x, 0],
		parameters: parameters as INode['parameters'],
	};
}

/** Items with `json.prompt` set to each of `prompts`, in order. */
export function promptItems(...prompts: string[]): TestItem[] {
	return prompts.map((prompt) => ({ json: { prompt } }));
}

/** An item whose binary field `data` holds `bytes` (an image file by default `photo.png`, `image/png`). */
export function imageItem(bytes: Buffer, fileName = 'photo.png', mimeType = 'image/png'): TestItem {
	return { json: {}, binary: { data: { data: bytes.toString('base64'), fileName, mimeType } } };
}

/**
 * Generate Video parameters: `parameters` with `operation: 'generate'`; `defaultOptions` are
 * defaults under the node's Options, which `parameters.options` overrides key by key.
 */
export function generateParameters(
	parameters: IDataObject,
	defaultOptions: IDataObject = {},
): IDataObject {
	return {
		operation: 'generate',
		...parameters,
		options: { ...defaultOptions, ...((parameters.options as IDataObject | undefined) ?? {}) },
	};
}

/**
 * Generate Video parameters for prompts from the input items (see {@link promptItems}): model
 * `kirin_v2_6_t2v` and prompt `={{ $json.prompt }}` unless `parameters` says otherwise; options as
 * in {@link generateParameters}.
 */
export function generateFromPrompts(
	parameters: IDataObject = {},
	defaultOptions: IDataObject = {},
): IDataObject {
	return generateParameters(
		{ model: 'kirin_v2_6_t2v', prompt: '={{ $json.prompt }}', ...parameters },
		defaultOptions,
	);
}

/** The `kirinApi` credential data of a Kirin node pointed at `server` (a fake server's URL and key). */
export function kirinCredentials(
	server: { url: string; apiKey: string },
	apiKey = server.apiKey,
): Record<string, ICredentialDataDecryptedObject> {
	return { kirinApi: { apiKey, baseUrl: server.url } };
}

/** What {@link runKirin} gives back. */
export interface KirinRun {
	run: IRun;
	/** The Kirin node's output items; empty when it did not run or failed. */
	output: ReturnType<typeof outputOf>;
	/** The error the Kirin node stopped with, if it did. */
	error: ReturnType<typeof errorOf>;
	/** Wall time of the whole run in ms. */
	ms: number;
}

/**
 * Runs "Manual Trigger -> Items -> Kirin" (see {@link kirinWorkflow}) to its end with `parameters`,
 * `items` and the node settings in `settings`, against the credential data in `credentials`.
 */
export async function runKirin(
	parameters: IDataObject,
	items: TestItem[] | undefined,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	settings: KirinNodeSettings = {},
): Promise<KirinRun> {
	const started = Date.now();
	const run = await runWorkflow(kirinWorkflow(parameters, items, settings), credentials);
	const ms = Date.now() - started;
	const error = errorOf(run, 'Kirin');
	const ran = Boolean(run.data.resultData.runData.Kirin?.length);
	return { run, output: ran && !error ? outputOf(run, 'Kirin') : [], error, ms };
}

/** Options every {@link runGenerate} starts from: poll every 20 ms. */
export const FAST_POLL: IDataObject = { pollInterval: 0.02 };

/**
 * Runs Generate Video (see {@link generateParameters}, with {@link FAST_POLL}) against `server`, with
 * its API key unless `settings.apiKey` gives another, and the node settings in `settings`.
 */
export async function runGenerate(
	server: { url: string; apiKey: string },
	parameters: IDataObject,
	items?: TestItem[],
	settings: KirinNodeSettings & { apiKey?: string } = {},
): Promise<KirinRun> {
	const { apiKey, ...nodeSettings } = settings;
	const credentials = kirinCredentials(server, apiKey);
	return await runKirin(
		generateParameters(parameters, FAST_POLL),
		items,
		credentials,
		nodeSettings,
	);
}
