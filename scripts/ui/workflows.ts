/**
 * The workflows the UI checks import: one with a Kirin node per model and state (and one whose Model
 * is an expression, one with a refused key, and a Kirin Trigger), two to run with "Execute step",
 * and the package's examples with their credential pointed at the fake server.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { PACKAGE_ROOT } from '../e2e/n8n';

/** A workflow as `n8n import:workflow` reads it. */
export interface WorkflowJson {
	id: string;
	name: string;
	nodes: Array<Record<string, unknown>>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	active?: boolean;
}

/** A credential reference on a node. */
export interface CredentialRef {
	id: string;
	name: string;
}

/** One Kirin node of the panels workflow: its name, model and the fields set on it. */
export interface PanelNode {
	name: string;
	model: string;
	parameters: Record<string, unknown>;
	credential?: CredentialRef;
}

/** The webhook id of the Kirin Trigger in the panels workflow (its Production URL's path). */
export const TRIGGER_WEBHOOK_ID = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';

/** The node name of the Kirin Trigger in the panels workflow. */
export const TRIGGER_NODE = 'Kirin Trigger';

/** Node name of the Kirin node of the execute workflow. */
export const EXECUTE_NODE = 'Generate Video';

/** Node name of the Kirin node of the download workflow. */
export const DOWNLOAD_NODE = 'Generate and Download';

function manualTrigger(position: [number, number]): Record<string, unknown> {
	return {
		id: 'ui-manual-trigger',
		name: "When clicking 'Execute workflow'",
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position,
		parameters: {},
	};
}

function kirin(
	name: string,
	parameters: Record<string, unknown>,
	position: [number, number],
	credential: CredentialRef,
): Record<string, unknown> {
	return {
		id: `ui-${name.replace(/\W+/g, '-').toLowerCase()}`,
		name,
		type: 'n8n-nodes-kirin.kirin',
		typeVersion: 1,
		position,
		parameters: { operation: 'generate', ...parameters },
		credentials: { kirinApi: credential },
	};
}

/**
 * Kirin nodes on a grid, one per panel to check, and a Kirin Trigger; nothing is connected (the
 * panels are only looked at).
 */
export function panelsWorkflow(nodes: PanelNode[], credential: CredentialRef): WorkflowJson {
	const columns = 4;
	return {
		id: 'kirinUiPanels',
		name: 'Kirin panels',
		nodes: [
			...nodes.map((node, index) =>
				kirin(
					node.name,
					{ model: node.model, ...node.parameters },
					[(index % columns) * 300, Math.floor(index / columns) * 220],
					node.credential ?? credential,
				),
			),
			{
				id: 'ui-kirin-trigger',
				name: TRIGGER_NODE,
				type: 'n8n-nodes-kirin.kirinTrigger',
				typeVersion: 1,
				position: [0, (Math.ceil(nodes.length / columns) + 0.5) * 220],
				webhookId: TRIGGER_WEBHOOK_ID,
				parameters: {},
				credentials: { kirinApi: credential },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Manual Trigger -> one Kirin node (Wait and Poll, a short poll interval), as a workflow of its own
 * (n8n 2.41.1 fails "Execute step" on the second of two nodes that share a trigger once the first
 * has run, so each step to run gets its own workflow).
 */
function stepWorkflow(
	id: string,
	name: string,
	nodeName: string,
	parameters: Record<string, unknown>,
	credential: CredentialRef,
): WorkflowJson {
	const trigger = manualTrigger([0, 0]);
	return {
		id,
		name,
		nodes: [trigger, kirin(nodeName, parameters, [260, 0], credential)],
		connections: {
			[String(trigger.name)]: { main: [[{ node: nodeName, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/** The workflow of the "Execute step" check: text to video, Wait and Poll. */
export function executeWorkflow(credential: CredentialRef): WorkflowJson {
	return stepWorkflow(
		'kirinUiExecute',
		'Kirin: execute step',
		EXECUTE_NODE,
		{
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'A red fox running through fresh snow at sunrise, cinematic',
			options: { pollInterval: 0.5 },
		},
		credential,
	);
}

/**
 * The workflow of the download check: Wait and Poll with Download Video on (the fake server's
 * videos are on 127.0.0.1, so downloads from private addresses are allowed).
 */
export function downloadWorkflow(credential: CredentialRef): WorkflowJson {
	return stepWorkflow(
		'kirinUiDownload',
		'Kirin: execute step with Download Video',
		DOWNLOAD_NODE,
		{
			model: 'kirin_v2_6_t2v',
			prompt: 'Waves rolling onto a quiet beach at dusk',
			downloadVideo: true,
			options: { pollInterval: 0.5, allowPrivateDownloads: true },
		},
		credential,
	);
}

/**
 * The examples in `examples/` (a file holds one workflow or several), with every Kirin credential
 * reference replaced by `credential`.
 */
export function exampleWorkflows(credential: CredentialRef): WorkflowJson[] {
	const folder = join(PACKAGE_ROOT, 'examples');
	const files = readdirSync(folder)
		.filter((file) => file.endsWith('.json'))
		.sort();
	const workflows: WorkflowJson[] = [];
	for (const file of files) {
		const parsed = JSON.parse(readFileSync(join(folder, file), 'utf8')) as
			WorkflowJson | WorkflowJson[];
		workflows.push(...(Array.isArray(parsed) ? parsed : [parsed]));
	}
	for (const workflow of workflows) {
		for (const node of workflow.nodes) {
			const credentials = node.credentials as Record<string, unknown> | undefined;
			if (credentials?.kirinApi) credentials.kirinApi = { ...credential };
		}
	}
	return workflows;
}
