import { InputRuleError } from '../inputRuleError';
import { maxLength, text } from '../values';
import { bodyKey, showFor, type ParameterDefinition } from './definition';

/** `prompt`: required for text to video, optional for image to video; 2500 characters at most. */
export const prompt: ParameterDefinition<'prompt'> = {
	key: 'prompt',
	fields: (spec, models) => [
		{
			displayName: 'Prompt',
			name: 'prompt',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: spec.required,
			placeholder: 'e.g. A red fox running through fresh snow at sunrise, cinematic',
			description: spec.required
				? `What the video should show, 1 to ${spec.maxLength} characters`
				: `What should happen in the video, up to ${spec.maxLength} characters. Optional: leave empty to let the model animate the image.`,
			displayOptions: showFor(models),
		},
	],
	read: (reader) => reader.get('prompt'),
	check(raw, spec, model) {
		const value = text('Prompt', raw);
		if (spec.required && (value === undefined || value.trim() === '')) {
			throw new InputRuleError(
				'Prompt',
				`Prompt is required for ${model.name} (1 to ${spec.maxLength} characters)`,
			);
		}
		maxLength('Prompt', value, spec.maxLength);
		return value;
	},
	toBody: bodyKey('prompt'),
};

/** `negative_prompt`: optional, 2500 characters at most, not sent when empty. */
export const negativePrompt: ParameterDefinition<'negativePrompt'> = {
	key: 'negativePrompt',
	fields: (spec, models) => [
		{
			displayName: 'Negative Prompt',
			name: 'negativePrompt',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			description: `What the video should not show, up to ${spec.maxLength} characters. Not sent when empty.`,
			displayOptions: showFor(models),
		},
	],
	read: (reader) => reader.get('negativePrompt'),
	check(raw, spec) {
		const value = text('Negative Prompt', raw);
		maxLength('Negative Prompt', value, spec.maxLength);
		return value;
	},
	toBody: bodyKey('negative_prompt'),
};
