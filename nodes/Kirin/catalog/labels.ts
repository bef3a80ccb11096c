import type { ChoiceSpec } from './types';

/**
 * Display names of the option values the provider pages use. A value missing here takes its label
 * from the model's entry (`ChoiceSpec.labels`), or shows as it is, so a new value never disappears
 * from the node.
 */
const KNOWN_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
	mode: { std: 'Standard', pro: 'Professional' },
	aspectRatio: { '16:9': '16:9 (Landscape)', '9:16': '9:16 (Portrait)', '1:1': '1:1 (Square)' },
};

/** Descriptions of the known modes, from the pages' parameter tables. */
export const MODE_DESCRIPTIONS: Readonly<Record<string, string>> = {
	std: 'Basic mode with high cost-effectiveness',
	pro: 'Higher quality video; takes longer and costs more',
};

/**
 * The display name of an option value.
 *
 * @param parameter the catalog key (`mode`, `aspectRatio`, `duration`...)
 * @param value the value as the API spells it
 * @param spec the model's spec, whose `labels` win
 * @returns e.g. `Professional` for mode `pro`, `10 Seconds` for duration `10`
 */
export function optionLabel(parameter: string, value: string, spec?: ChoiceSpec): string {
	const own = spec?.labels?.[value];
	if (own) return own;
	const known = KNOWN_LABELS[parameter]?.[value];
	if (known) return known;
	if (parameter === 'duration') return `${value} Seconds`;
	return value;
}

/** The display name of a mode value, e.g. `Standard` for `std`. */
export function modeLabel(value: string | undefined, spec?: ChoiceSpec): string {
	return value === undefined ? 'unset' : optionLabel('mode', value, spec);
}
