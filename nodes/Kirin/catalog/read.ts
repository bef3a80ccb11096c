import type { GenerateInput } from './input';
import { PARAMETERS, type ParameterReader } from './parameters';
import type { KirinModel } from './types';

/**
 * Reads one item's raw parameters for its model through the registry: only the parameters the
 * model's page lists, each undefined when its field is hidden or empty.
 *
 * A binary image is streamed through once here (size in bytes, format, pixel size, fingerprint)
 * and not kept: the input holds a `BinaryImage` that reads the file again when the item's
 * task is created.
 *
 * @param reader access to the item's node parameters and binary data
 * @param extra the Options values that travel with the input (Callback URL, External Task ID)
 * @throws InputRuleError when an image field names a binary property the item lacks, or the Base64
 *   text is not Base64
 */
export async function readModelInput(
	model: KirinModel,
	reader: ParameterReader,
	extra: { callbackUrl?: unknown; externalTaskId?: unknown } = {},
): Promise<GenerateInput> {
	const input: GenerateInput = { model, ...extra };
	const values = input as unknown as Record<string, unknown>;
	for (const definition of PARAMETERS) {
		const spec = model.parameters[definition.key];
		if (spec === undefined) continue;
		values[definition.key] = await definition.read(reader, spec as never);
	}
	return input;
}
