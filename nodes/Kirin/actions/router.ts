import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { asNodeError, errorToJson } from '../../shared/taskErrors';
import * as generate from './generate/execute';
import * as getTask from './getTask/execute';

/**
 * Runs the chosen operation over the input items. Generate Video handles the whole batch at once
 * (so its tasks run in parallel); Get Task runs item by item. With Continue On Fail a failed item
 * becomes an `{error}` item with its `pairedItem` and the others go on.
 *
 * @returns the node's single output
 */
export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	if (operation === 'generate') return await generate.execute.call(this, items);

	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			output.push(await getTask.execute.call(this, itemIndex));
		} catch (error) {
			if (!this.continueOnFail()) throw asNodeError(this.getNode(), error, itemIndex);
			output.push({ json: errorToJson(error), pairedItem: { item: itemIndex } });
		}
	}
	return [output];
}
