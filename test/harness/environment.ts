/**
 * The tests' jest environment: Node's, in a worker process that ends without tearing its heap down.
 *
 * Once a worker has run its last test file, jest gives it 500 ms to exit, then kills it and prints
 * "A worker process has failed to exit gracefully". No handle is left open by then, but a natural
 * exit first disposes of the worker's heap (n8n-core and everything the workflows loaded), and on a
 * busy 2-core machine that, with the kernel freeing the memory, took up to a second. Ending with
 * `process.exit` from the `exit` event skips the disposal. A leaked timer or socket still shows:
 * the `exit` event only comes once nothing keeps the event loop alive.
 */
import { TestEnvironment } from 'jest-environment-node';

if (!process.listeners('exit').some((listener) => listener.name === 'exitWithoutHeapTeardown')) {
	process.on('exit', function exitWithoutHeapTeardown(code) {
		process.exit(code);
	});
}

export default TestEnvironment;
