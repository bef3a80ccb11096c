import type { CheckedInput, GenerateInput } from './input';
import { InputRuleError } from './inputRuleError';
import { PARAMETERS } from './parameters';
import { text } from './values';

export { InputRuleError } from './inputRuleError';
export type { CheckedInput } from './input';

/** Whether a value is an absolute http(s) URL that a URL parser accepts (not just its form). */
function isHttpUrl(value: string): boolean {
	if (!/^https?:\/\/\S+$/i.test(value)) return false;
	try {
		new URL(value);
		return true;
	} catch {
		return false;
	}
}

/**
 * Checks one item's parameters against the rules of its model's page, parameter by parameter
 * through the registry (`parameters/`): prompt presence and length, option values, ranges, and the
 * rules that tie parameters together (camera control only in Standard mode for 5 seconds, sound
 * only in Professional mode), and the image rules for binary and Base64 images. A parameter the
 * model's page does not list is left out; an empty one (a blank sheet cell mapped by an expression)
 * takes the page's default, or stays unset where the page gives none.
 *
 * @returns the normalised parameters, ready for `buildRequestBody`
 * @throws InputRuleError naming the field and the rule, for the first broken rule
 */
export function checkInput(input: GenerateInput): CheckedInput {
	const { model } = input;
	const checked: CheckedInput = { model };
	const values = checked as unknown as Record<string, unknown>;
	for (const definition of PARAMETERS) {
		const spec = model.parameters[definition.key];
		if (spec === undefined) continue;
		const raw = (input as unknown as Record<string, unknown>)[definition.key];
		values[definition.key] = definition.check(raw, spec as never, model, checked);
	}
	checked.callbackUrl = text('Callback URL', input.callbackUrl);
	if (checked.callbackUrl !== undefined && !isHttpUrl(checked.callbackUrl)) {
		throw new InputRuleError(
			'Callback URL',
			`Callback URL must be an http or https URL; got "${checked.callbackUrl}"`,
		);
	}
	checked.externalTaskId = text('External Task ID', input.externalTaskId);
	return checked;
}
