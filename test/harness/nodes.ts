import { createReadStream } from 'fs';

import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

/**
 * Stand-ins for two n8n-nodes-base nodes the test workflows start with (n8n-nodes-base is not a
 * dependency): a Manual Trigger of type `n8n-nodes-base.manualTrigger` (n8n-core runs it the way the
 * real one runs), and `test.items`, which outputs the items given in its `items` parameter (JSON,
 * with `binary` entries as `{data: <base64>, mimeType, fileName}`, or `{path: <file>, ...}` for a
 * file streamed from disk, turned into n8n binary data through `helpers.prepareBinaryData`), as a
 * Code or Read/Write Files node would.
 */
export class ManualTrigger implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Runs the flow on clicking a button in n8n',
		defaults: { name: 'When clicking "Execute workflow"' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const manualTriggerFunction = async () => {
			this.emit([this.helpers.returnJsonArray([{}])]);
		};
		return { manualTriggerFunction };
	}
}

/** Outputs fixed items, optionally with binary data (see {@link ManualTrigger}'s note). */
export class Items implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Items',
		name: 'items',
		group: ['transform'],
		version: 1,
		description: 'Outputs the items of its parameter',
		defaults: { name: 'Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0) as unknown;
		const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{
			json?: Record<string, unknown>;
			binary?: Record<
				string,
				{ data?: string; path?: string; mimeType?: string; fileName?: string }
			>;
		}>;
		const output: INodeExecutionData[] = [];
		for (const [index, entry] of list.entries()) {
			const item: INodeExecutionData = {
				json: (entry.json ?? {}) as INodeExecutionData['json'],
				pairedItem: { item: 0 },
			};
			if (entry.binary) {
				item.binary = {};
				for (const [name, file] of Object.entries(entry.binary)) {
					item.binary[name] = await this.helpers.prepareBinaryData(
						file.path ? createReadStream(file.path) : Buffer.from(file.data ?? '', 'base64'),
						file.fileName ?? `file${index}`,
						file.mimeType,
					);
				}
			}
			output.push(item);
		}
		return [output];
	}
}
