import { InputRuleError } from '../inputRuleError';
import { modeLabel } from '../labels';
import { flag, number } from '../values';
import { oneFieldParameter } from './definition';

/** `sound` on/off, only in the mode the page names (Professional on the V2.6 page). */
export const sound = oneFieldParameter('sound', {
	field: (spec, models) => ({
		displayName: 'Sound',
		type: 'boolean',
		// The page's default is "off".
		default: false,
		description: `Whether to generate sound with the video (${modeLabel(spec.requiresMode, models[0]?.parameters.mode)} mode only). Defaults to off.`,
	}),
	showWhen: (spec) => ({ mode: [spec.requiresMode] }),
	check(raw, spec, model, checked) {
		// Empty (a blank cell mapped by an expression) is the page's default: off.
		const value = flag('Sound', raw) ?? false;
		const mode = checked.mode ?? model.parameters.mode?.default;
		if (value && mode !== spec.requiresMode) {
			throw new InputRuleError(
				'Sound',
				`Sound is only available in ${modeLabel(spec.requiresMode, model.parameters.mode)} mode; mode is ${modeLabel(mode, model.parameters.mode)}`,
			);
		}
		// Off outside the mode that allows sound is the page's default: not sent, so that a Standard
		// request never carries a parameter its mode does not support.
		if (!value && mode !== spec.requiresMode) return undefined;
		return value;
	},
	toBody: (value, body) => {
		if (value !== undefined) body.sound = value ? 'on' : 'off';
	},
});

/** `cfg_scale`: a number in the page's range. */
export const cfgScale = oneFieldParameter('cfgScale', {
	field: (spec) => {
		const defaultValue = spec.default;
		return {
			displayName: 'CFG Scale',
			type: 'number',
			typeOptions: { minValue: spec.min, maxValue: spec.max, numberPrecision: 2 },
			default: defaultValue,
			description: `How closely the video follows the prompt, ${spec.min} to ${spec.max}: higher means less freedom for the model. Defaults to ${spec.default}.`,
		};
	},
	check(raw, spec) {
		// Empty (a blank cell mapped by an expression) is the page's default.
		const value = number('CFG Scale', raw) ?? spec.default;
		if (value < spec.min || value > spec.max) {
			throw new InputRuleError(
				'CFG Scale',
				`CFG Scale must be between ${spec.min} and ${spec.max}; got ${value}`,
			);
		}
		return value;
	},
	toBody: (value, body) => {
		if (value !== undefined) body.cfg_scale = value as number;
	},
});

/** `watermark_info.enabled`: whether to also generate a watermarked result. */
export const watermark = oneFieldParameter('watermark', {
	field: () => ({
		displayName: 'Watermark',
		type: 'boolean',
		default: false,
		description: 'Whether to also generate a watermarked result. Defaults to off.',
	}),
	// Empty (a blank cell mapped by an expression) is the default: off.
	check: (raw) => flag('Watermark', raw) ?? false,
	toBody: (value, body) => {
		if (value !== undefined) body.watermark_info = { enabled: value as boolean };
	},
});
