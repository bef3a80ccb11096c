import type { INodePropertyOptions } from 'n8n-workflow';

import { MODE_DESCRIPTIONS, optionLabel } from '../labels';
import type { ChoiceSpec } from '../types';
import { choice } from '../values';
import { bodyKey, oneFieldParameter, type ParameterDefinition } from './definition';

type ChoiceKey = 'duration' | 'aspectRatio' | 'mode';

/**
 * A parameter whose page lists a set of values (`duration`, `aspect_ratio`, `mode`). Every value of
 * the catalog entry becomes an option, labelled by `labels.ts` or the entry; a page without a
 * default gets a "Model Default" option that sends nothing.
 */
function choiceParameter(
	key: ChoiceKey,
	displayName: string,
	bodyName: string,
	describe: (spec: ChoiceSpec) => string,
): ParameterDefinition<ChoiceKey> {
	return oneFieldParameter(key, {
		field: (spec) => {
			const options: INodePropertyOptions[] = spec.options.map((value) => ({
				name: optionLabel(key, value, spec),
				value,
				...(key === 'mode' && MODE_DESCRIPTIONS[value]
					? { description: MODE_DESCRIPTIONS[value] }
					: {}),
			}));
			if (spec.default === undefined) {
				options.unshift({
					name: 'Model Default',
					value: '',
					description: 'Not sent: the API decides',
				});
			}
			const defaultValue = spec.default ?? '';
			return {
				displayName,
				type: 'options',
				options,
				default: defaultValue,
				description: describe(spec),
			};
		},
		// An empty value (a blank sheet cell mapped by an expression) takes the page's default.
		check: (raw, spec) =>
			choice(displayName, raw, spec.options, (value) => optionLabel(key, value, spec)) ??
			spec.default,
		toBody: bodyKey(bodyName),
	});
}

/** `duration` in seconds, sent as a string (`"5"`). */
export const duration = choiceParameter('duration', 'Duration', 'duration', (spec) =>
	spec.default === undefined
		? 'Length of the video. By default the duration is not sent and the API decides.'
		: `Length of the video. Defaults to ${optionLabel('duration', spec.default, spec).toLowerCase()}.`,
);

/** `aspect_ratio`, width:height. */
export const aspectRatio = choiceParameter(
	'aspectRatio',
	'Aspect Ratio',
	'aspect_ratio',
	(spec) => `Width to height of the video. Defaults to ${spec.default ?? 'the model default'}.`,
);

/** `mode`: Standard (`std`), Professional (`pro`), or whatever the entry adds. */
export const mode = choiceParameter(
	'mode',
	'Mode',
	'mode',
	(spec) =>
		`Generation mode. Defaults to ${spec.default ? optionLabel('mode', spec.default, spec) : 'the model default'}.`,
);
