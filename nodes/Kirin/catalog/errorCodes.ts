import { MODELS } from './models';

/**
 * The meaning of the last three digits of a Kirin error code, identical on every provider page
 * (table "Error Codes").
 */
export const ERROR_KINDS: Readonly<Record<string, string>> = {
	'095': 'Internal generation error',
	'096': 'Result parsing error',
	'097': 'HTTP error response',
	'098': 'Status check error',
	'099': 'Task creation error',
};

/**
 * Explains a Kirin error code with the model's page: `002014095` becomes
 * `Kirin V2.6 - Text to Video: internal generation error`.
 *
 * @param code the API's `error.code` (nine digits; anything else has no meaning here)
 * @returns the model's name and the kind of error, or undefined when the code is not a Kirin code
 */
export function describeErrorCode(code: string | undefined): string | undefined {
	if (!code || !/^\d{9}$/.test(code)) return undefined;
	const kind = Object.prototype.hasOwnProperty.call(ERROR_KINDS, code.slice(6))
		? ERROR_KINDS[code.slice(6)]
		: undefined;
	if (!kind) return undefined;
	const model = MODELS.find((entry) => entry.errorCodePrefix === code.slice(0, 6));
	return `${model ? model.name : 'Kirin'}: ${kind.toLowerCase()}`;
}

/**
 * The name of the model a failed task belongs to, for messages: from the task's model id, else from
 * the error code's prefix, else `Kirin`.
 */
export function modelNameOfCode(code: string | undefined, modelId: string | undefined): string {
	const byId = MODELS.find((entry) => entry.id === modelId);
	const byCode = code
		? MODELS.find((entry) => entry.errorCodePrefix === code.slice(0, 6))
		: undefined;
	return (byId ?? byCode)?.name ?? 'Kirin';
}
