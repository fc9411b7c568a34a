/**
 * Loads the WebAssembly module now instead of on first use (optional; memoised). Takes the
 * wasm as a URL, a `Response` (or a promise of one), bytes or a `WebAssembly.Module`; by
 * default it is the module next to the entry. Rejects with a `TokenError` naming the URL when
 * the module cannot be loaded. In Node and React Native the module is ready at import.
 */
export declare function init(input?: string | URL | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module): Promise<void>;
