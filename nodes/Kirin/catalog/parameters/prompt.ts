import { InputRuleError } from '../inputRuleError';
import { maxLength, text } from '../values';
import { bodyKey, oneFieldParameter, type ParameterDefinition } from './definition';

/** What a page says about a free-text parameter; `required` only where the page says either way. */
interface TextSpec {
	maxLength: number;
	required?: boolean;
}

/**
 * A free-text parameter (`prompt`, `negative_prompt`): a field of `rows` lines, empty by default,
 * holding at most the page's `maxLength` characters, required where the page says so; not sent
 * when empty.
 */
function textParameter(
	key: 'prompt' | 'negativePrompt',
	displayName: string,
	bodyName: string,
	field: { rows: number; placeholder?: string; describe(spec: TextSpec): string },
): ParameterDefinition<'prompt' | 'negativePrompt'> {
	const { rows, placeholder, describe } = field;
	return oneFieldParameter(key, {
		field: (spec: TextSpec) => ({
			displayName,
			type: 'string',
			typeOptions: { rows },
			default: '',
			...(spec.required !== undefined ? { required: spec.required } : {}),
			...(placeholder ? { placeholder } : {}),
			description: describe(spec),
		}),
		check(raw, spec: TextSpec, model) {
			const value = text(displayName, raw);
			if (spec.required && (value === undefined || value.trim() === '')) {
				throw new InputRuleError(
					displayName,
					`${displayName} is required for ${model.name} (1 to ${spec.maxLength} characters)`,
				);
			}
			maxLength(displayName, value, spec.maxLength);
			return value;
		},
		toBody: bodyKey(bodyName),
	});
}

/** `prompt`: required for text to video, optional for image to video; 2500 characters at most. */
export const prompt = textParameter('prompt', 'Prompt', 'prompt', {
	rows: 4,
	placeholder: 'e.g. A red fox running through fresh snow at sunrise, cinematic',
	describe: (spec) =>
		spec.required
			? `What the video should show, 1 to ${spec.maxLength} characters`
			: `What should happen in the video, up to ${spec.maxLength} characters. Optional: leave empty to let the model animate the image.`,
});

/** `negative_prompt`: optional, 2500 characters at most, not sent when empty. */
export const negativePrompt = textParameter(
	'negativePrompt',
	'Negative Prompt',
	'negative_prompt',
	{
		rows: 2,
		describe: (spec) =>
			`What the video should not show, up to ${spec.maxLength} characters. Not sent when empty.`,
	},
);
