import type { INodeProperties } from 'n8n-workflow';

import { MODELS } from './models';
import { PARAMETERS, type ParameterDefinition, type SpecOf } from './parameters';
import type { KirinModel } from './types';

/**
 * The node's model fields, built from the catalog and the parameter registry. A parameter becomes
 * one set of fields per group of models whose pages describe it alike (same options, default and
 * rules), hidden for the other models through display options; each such field's hint names the
 * models that use it, so the panel stays readable when Model is an expression. Field names are
 * public: they are stored in users' workflows.
 */

/** Groups the models that list a parameter by how their pages describe it. */
function groupsOf(
	definition: ParameterDefinition,
	models: readonly KirinModel[],
): Array<{ spec: SpecOf<typeof definition.key>; models: KirinModel[] }> {
	const groups = new Map<string, { spec: SpecOf<typeof definition.key>; models: KirinModel[] }>();
	for (const model of models) {
		const spec = model.parameters[definition.key] as SpecOf<typeof definition.key> | undefined;
		if (spec === undefined) continue;
		const signature = JSON.stringify(spec);
		const group = groups.get(signature) ?? { spec, models: [] };
		group.models.push(model);
		groups.set(signature, group);
	}
	return [...groups.values()];
}

/**
 * Scopes a field to its models by hiding it for every other model (not by showing it for its own):
 * when Model is an expression, n8n cannot tell which model an item will use, and a field shown only
 * for given models would be unreachable; hidden for the others, it stays reachable. The hint names
 * the models that use it.
 */
function scopeToModels(
	field: INodeProperties,
	models: KirinModel[],
	all: readonly KirinModel[],
): INodeProperties {
	const { model: _own, ...show } = (field.displayOptions?.show ?? {}) as Record<string, unknown>;
	const others = all.filter((model) => !models.includes(model)).map((model) => model.id);
	const displayOptions = {
		...field.displayOptions,
		show: show as NonNullable<INodeProperties['displayOptions']>['show'],
		...(others.length > 0 ? { hide: { ...field.displayOptions?.hide, model: others } } : {}),
	};
	if (models.length === all.length) return { ...field, displayOptions };
	const usedBy = `Used by ${models.map((model) => model.name).join(', ')}`;
	return { ...field, displayOptions, hint: field.hint ? `${field.hint}. ${usedBy}` : usedBy };
}

/**
 * The Model field: every catalog model, with the page's title and one-line description.
 *
 * @param models the catalog (the node's own by default)
 * @returns one `options` property named `model`, shown for Generate Video
 */
export function modelField(models: readonly KirinModel[] = MODELS): INodeProperties {
	const defaultModel = models[0].id;
	return {
		displayName: 'Model',
		name: 'model',
		type: 'options',
		options: models.map((model) => ({
			name: model.name,
			value: model.id,
			description: model.description,
		})),
		default: defaultModel,
		description: 'The Kirin model that generates the video',
		displayOptions: { show: { operation: ['generate'] } },
	};
}

/**
 * Every model-specific field of Generate Video, in registry order: prompt, image, negative prompt,
 * duration, aspect ratio, mode, sound, CFG scale, camera control, watermark.
 *
 * @param models the catalog (the node's own by default)
 * @returns node properties, each scoped by display options to the models whose page lists it
 */
export function modelParameterFields(models: readonly KirinModel[] = MODELS): INodeProperties[] {
	return PARAMETERS.flatMap((definition) => fieldsOfParameter(definition, models));
}

/**
 * The fields of one parameter kind: one set per group of models whose pages describe it alike,
 * each scoped to its group by display options.
 *
 * @param models the catalog (the node's own by default)
 * @returns node properties in display order; empty when no model lists the parameter
 */
export function fieldsOfParameter(
	definition: ParameterDefinition,
	models: readonly KirinModel[] = MODELS,
): INodeProperties[] {
	return groupsOf(definition, models).flatMap(({ spec, models: group }) =>
		definition.fields(spec, group).map((field) => scopeToModels(field, group, models)),
	);
}
