import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { taskItem } from '../../../shared/items';
import { KirinApi } from '../../../shared/transport/api';
import { runSettingsFrom } from '../../settings';

/**
 * Get Task for one item: fetches the task by its Kirin id or by its external id, as it is now (any
 * status, a failed task too: its item shows the error code), costing nothing. Completed tasks can
 * also be downloaded.
 *
 * @returns the output item (`taskToJson`), with binary videos when Download Video is on
 * @throws NodeOperationError when the id is empty or no task has that external id; NodeApiError for
 *   API failures (404 for an unknown task id); NodeOperationError for a failed download
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const settings = runSettingsFrom(
		(this.getNodeParameter('options', itemIndex, {}) ?? {}) as IDataObject,
		this.getNode(),
	);
	const signal = this.getExecutionCancelSignal();
	const api = new KirinApi(this, settings.retry, signal);
	const lookupBy = this.getNodeParameter('lookupBy', itemIndex) as string;
	const raw = this.getNodeParameter(lookupBy, itemIndex, '') as unknown;
	const id = raw === undefined || raw === null ? '' : String(raw).trim();
	if (!id) {
		throw new NodeOperationError(
			this.getNode(),
			`${lookupBy === 'taskId' ? 'Task ID' : 'External Task ID'} is empty [item ${itemIndex}]`,
			{ itemIndex },
		);
	}
	const task =
		lookupBy === 'taskId' ? await api.getTask(id, itemIndex) : await api.findTask(id, itemIndex);
	if (!task) {
		throw new NodeOperationError(this.getNode(), `No Kirin task has the external task ID "${id}"`, {
			description: 'Check the ID: it must match the external_task_id the task was created with.',
			itemIndex,
		});
	}
	// A failed task is what Get Task was asked for: its item carries the error, it does not fail.
	return await taskItem(this, task, itemIndex, {
		download: Boolean(this.getNodeParameter('downloadVideo', itemIndex, false)),
		binaryPropertyOutput: settings.binaryPropertyOutput,
		downloadSettings: { ...settings.download, signal },
	});
}
