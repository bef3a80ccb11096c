import type { INodeProperties } from 'n8n-workflow';

import { InputRuleError } from '../inputRuleError';
import { modeLabel, optionLabel } from '../labels';
import { CAMERA_AXES, CAMERA_CONTROL_TYPES } from '../models';
import { choice, number } from '../values';
import { bodyKey, showFor, type ParameterDefinition } from './definition';

/**
 * Display names and descriptions of the camera movement types and axes of the V1 page, as
 * `[name, description]`.
 */
const LABELS: Record<string, [string, string]> = {
	simple: ['Simple', 'One movement along the axis you pick below'],
	down_back: ['Down and Back', 'The camera presses down and moves back'],
	forward_up: ['Forward and Up', 'The camera pushes in and moves up'],
	right_turn_forward: ['Right Turn Forward', 'The camera turns right, then moves forward'],
	left_turn_forward: ['Left Turn Forward', 'The camera turns left, then moves forward'],
	horizontal: ['Horizontal', 'Move along the x-axis: negative left, positive right'],
	vertical: ['Vertical', 'Move along the y-axis: negative down, positive up'],
	pan: ['Pan', 'Rotate around the y-axis: negative left, positive right'],
	tilt: ['Tilt', 'Rotate around the x-axis: negative down, positive up'],
	roll: ['Roll', 'Rotate around the z-axis: negative counter-clockwise, positive clockwise'],
	zoom: ['Zoom', 'Change the focal length: negative zooms in, positive out'],
};

function option(value: string): { name: string; value: string; description: string } {
	const [name, description] = LABELS[value];
	return { name, value, description };
}

/**
 * `camera_control` of the V1 page: a movement type, and for `simple` one non-zero movement on one
 * of six axes; allowed only with the mode and duration the page names (Standard, 5 seconds).
 */
export const cameraControl: ParameterDefinition<'cameraControl'> = {
	key: 'cameraControl',
	fields(spec, models) {
		const when = { mode: [spec.requiresMode], duration: [spec.requiresDuration] };
		const durationText = optionLabel('duration', spec.requiresDuration).toLowerCase();
		return [
			{
				displayName: 'Camera Control',
				name: 'cameraControlType',
				type: 'options',
				default: 'none',
				description: `Camera movement (${modeLabel(spec.requiresMode, models[0]?.parameters.mode)} mode, ${durationText} only). By default the model picks a movement that fits the prompt.`,
				options: [
					{ name: 'None', value: 'none', description: 'Not sent: the model decides' },
					...CAMERA_CONTROL_TYPES.map(option),
				],
				displayOptions: showFor(models, when),
			},
			{
				displayName: 'Camera Movement',
				name: 'cameraAxis',
				type: 'options',
				default: 'zoom',
				description: 'The one movement of a simple camera control; the other five are sent as 0',
				options: CAMERA_AXES.map(option),
				displayOptions: showFor(models, { ...when, cameraControlType: ['simple'] }),
			},
			{
				displayName: 'Camera Movement Amount',
				name: 'cameraValue',
				type: 'number',
				typeOptions: { minValue: spec.valueMin, maxValue: spec.valueMax },
				default: 5,
				description: `How far the camera moves, ${spec.valueMin} to ${spec.valueMax}, not 0`,
				displayOptions: showFor(models, { ...when, cameraControlType: ['simple'] }),
			},
		] satisfies INodeProperties[];
	},
	read: (reader) => ({
		type: reader.get('cameraControlType'),
		axis: reader.get('cameraAxis'),
		value: reader.get('cameraValue'),
	}),
	check(raw, spec, model, checked) {
		const given = raw as { type: unknown; axis?: unknown; value?: unknown } | undefined;
		if (!given) return undefined;
		const type = choice('Camera Control', given.type, ['none', ...CAMERA_CONTROL_TYPES]);
		if (type === undefined || type === 'none') return undefined;
		const mode = checked.mode ?? model.parameters.mode?.default;
		const duration = checked.duration ?? model.parameters.duration?.default;
		if (mode !== spec.requiresMode || duration !== spec.requiresDuration) {
			throw new InputRuleError(
				'Camera Control',
				`Camera Control needs Mode ${modeLabel(spec.requiresMode, model.parameters.mode)} and Duration ${spec.requiresDuration} seconds; got mode ${mode} and duration ${duration} seconds`,
			);
		}
		if (type !== 'simple') return { type };
		const axis = choice('Camera Movement', given.axis, CAMERA_AXES);
		if (axis === undefined) {
			throw new InputRuleError(
				'Camera Movement',
				'Camera Movement is required for a simple camera control',
			);
		}
		const value = number('Camera Movement Amount', given.value);
		if (value === undefined || value === 0 || value < spec.valueMin || value > spec.valueMax) {
			throw new InputRuleError(
				'Camera Movement Amount',
				`Camera Movement Amount must be between ${spec.valueMin} and ${spec.valueMax} and not 0; got ${String(given.value)}`,
			);
		}
		return {
			type,
			config: Object.fromEntries(CAMERA_AXES.map((name) => [name, name === axis ? value : 0])),
		};
	},
	toBody: bodyKey('camera_control'),
};
