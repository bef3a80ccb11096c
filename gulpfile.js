const path = require('path');
const { task, src, dest, parallel } = require('gulp');

/** Copies the SVG icons next to the compiled node and credential files in dist/. */
function copyIcons() {
	const nodeIcons = src(path.resolve('icons', '*.svg')).pipe(dest(path.resolve('dist', 'icons')));
	const nodeJson = src(path.resolve('nodes', '**', '*.node.json')).pipe(
		dest(path.resolve('dist', 'nodes')),
	);
	return Promise.all([streamDone(nodeIcons), streamDone(nodeJson)]);
}

function streamDone(stream) {
	return new Promise((resolve, reject) => stream.on('finish', resolve).on('error', reject));
}

task('build:icons', parallel(copyIcons));
