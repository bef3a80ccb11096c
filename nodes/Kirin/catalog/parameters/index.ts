import { cameraControl } from './cameraControl';
import { aspectRatio, duration, mode } from './choices';
import type { ParameterDefinition } from './definition';
import { image } from './image';
import { negativePrompt, prompt } from './prompt';
import { cfgScale, sound, watermark } from './switches';

export type { ParameterDefinition, ParameterKey, ParameterReader, SpecOf } from './definition';

/**
 * Every parameter kind of the provider pages, in the order the node shows their fields and checks
 * them: a rule that depends on another parameter (sound on mode, camera control on mode and
 * duration) comes after it.
 */
export const PARAMETERS: ReadonlyArray<ParameterDefinition> = [
	prompt,
	image,
	negativePrompt,
	duration,
	aspectRatio,
	mode,
	sound,
	cfgScale,
	cameraControl,
	watermark,
] as ReadonlyArray<ParameterDefinition>;
