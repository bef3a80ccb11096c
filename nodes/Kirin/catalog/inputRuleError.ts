/**
 * A parameter that breaks a rule of the model's page. `field` is the node field's display name, so
 * the message tells a user which field to fix.
 */
export class InputRuleError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'InputRuleError';
	}
}
