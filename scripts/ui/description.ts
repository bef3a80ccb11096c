/**
 * Reads the built node's description (dist/) for what the model pages do not say: the names the
 * Model list shows, which fields do not depend on the model at all (Operation, Completion, Options...)
 * and which fields only refine another field (Input Binary Field under Image Source). The checks
 * that a panel shows a model's fields come from the pages (`pages.ts`); this only tells the other
 * labels apart.
 */
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { createRequire } from 'module';
import { join } from 'path';

import { PACKAGE_ROOT } from '../e2e/n8n';
import { FIELD_LABELS } from './pages';

/** What the checks read from the built Kirin node. */
export interface NodeFacts {
	/** Model id to the name the Model list shows for it. */
	modelNames: Map<string, string>;
	/** Labels of Generate Video fields whose display does not depend on the model. */
	genericLabels: Set<string>;
	/**
	 * Labels of fields shown only through another field's value (e.g. Input Binary Field through
	 * Image Source), mapped to the labels of the fields they refine.
	 */
	refines: Map<string, Set<string>>;
}

/**
 * Loads a module of the built package (`dist/<path>`).
 *
 * @throws Error when the package is not built
 */
export function loadBuilt<T>(path: string): T {
	return createRequire(__filename)(join(PACKAGE_ROOT, 'dist', path)) as T;
}

/** The names of the fields a property's display options depend on (leading `/` removed). */
function dependsOn(property: INodeProperties): string[] {
	const options = property.displayOptions ?? {};
	return [...Object.keys(options.show ?? {}), ...Object.keys(options.hide ?? {})].map((key) =>
		key.replace(/^\//, ''),
	);
}

/**
 * Loads `dist/nodes/Kirin/Kirin.node.js` and sorts its Generate Video fields.
 *
 * @throws Error when the package is not built
 */
export function readNodeFacts(): NodeFacts {
	const { Kirin } = loadBuilt<{ Kirin: new () => { description: INodeTypeDescription } }>(
		'nodes/Kirin/Kirin.node.js',
	);
	const properties = new Kirin().description.properties;
	const modelNames = new Map<string, string>();
	const model = properties.find((property) => property.name === 'model');
	for (const option of (model?.options ?? []) as Array<{ name: string; value: unknown }>) {
		modelNames.set(String(option.value), option.name);
	}
	const pageLabels = new Set(Object.values(FIELD_LABELS));
	const labelOf = new Map<string, string>();
	for (const property of properties) labelOf.set(property.name, property.displayName);
	const genericLabels = new Set<string>();
	const refines = new Map<string, Set<string>>();
	for (const property of properties) {
		const label = property.displayName;
		if (pageLabels.has(label)) continue;
		const parents = dependsOn(property)
			.filter((name) => !['operation', 'model', 'mode', 'duration'].includes(name))
			.map((name) => labelOf.get(name) ?? name)
			.filter((parent) => pageLabels.has(parent));
		if (parents.length > 0) {
			const set = refines.get(label) ?? new Set<string>();
			for (const parent of parents) set.add(parent);
			refines.set(label, set);
		} else if (!dependsOn(property).includes('model')) {
			genericLabels.add(label);
		}
	}
	// A label used both ways (e.g. a refinement of one field and generic elsewhere) is not generic.
	for (const label of refines.keys()) genericLabels.delete(label);
	return { modelNames, genericLabels, refines };
}
