import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

/**
 * A function that answers a webhook request itself, with a status and a JSON body, and tells n8n
 * that the answer was sent (`noWebhookResponse`). Used for refusals (401, 403, 4xx, 500).
 */
export function replyWith(
	context: IWebhookFunctions,
): (status: number, body: IDataObject) => IWebhookResponseData {
	return (status, body) => {
		context.getResponseObject().status(status).json(body);
		return { noWebhookResponse: true };
	};
}
