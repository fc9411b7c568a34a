// Injected by esbuild into the Node CommonJS entry: the wasm-bindgen glue's TextEncoder and
// TextDecoder come from node:util, so the entry also works where the globals are missing
// (Jest's jsdom environment has none).
export { TextDecoder, TextEncoder } from 'node:util';
