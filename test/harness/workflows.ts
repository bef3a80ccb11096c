import type { INode, IDataObject } from 'n8n-workflow';

import type { WorkflowJson } from './harness';

/** An input item for {@link kirinWorkflow}: JSON and optional binary files given as Base64. */
export interface TestItem {
	json?: IDataObject;
	binary?: Record<string, { data: string; mimeType?: string; fileName?: string }>;
}

/**
 * A workflow "Manual Trigger -> Items -> Kirin": the Items node outputs `items` (default: one empty
 * item) and the Kirin node runs with `parameters` and the `kirinApi` credential.
 *
 * @param options `continueOnFail` sets the node's On Error to "continue (regular output)";
 *   `retryOnFail` turns on n8n's Retry On Fail with `maxTries` and no wait
 */
export function kirinWorkflow(
	parameters: IDataObject,
	items: TestItem[] = [{ json: {} }],
	options: { continueOnFail?: boolean; retryOnFail?: boolean; maxTries?: number } = {},
): WorkflowJson {
	const kirin: INode = {
		id: 'kirin-node-1',
		name: 'Kirin',
		type: 'n8n-nodes-kirin.kirin',
		typeVersion: 1,
		position: [400, 0],
		parameters: parameters as INode['parameters'],
		credentials: { kirinApi: { id: 'cred-1', name: 'Kirin account' } },
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...(options.retryOnFail
			? { retryOnFail: true, maxTries: options.maxTries ?? 2, waitBetweenTries: 0 }
			: {}),
	};
	return {
		nodes: [
			{
				id: 'trigger-1',
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'items-1',
				name: 'Items',
				type: 'test.items',
				typeVersion: 1,
				position: [200, 0],
				parameters: { items: JSON.stringify(items) },
			},
			kirin,
		],
		connections: {
			'Manual Trigger': { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'Kirin', type: 'main', index: 0 }]] },
		},
	};
}
