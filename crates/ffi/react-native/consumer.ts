// What a React Native app writes against the generated bindings: it must type-check
// strictly, and misuse must not (each @ts-expect-error fails the check if it compiles).
import {
  AppState,
  FetchOutcome,
  ManagerOptions,
  RetryOptions,
  TokenManager,
  type FetchRequest,
  type TokenHost,
} from "../../../target/ffi/rn/ts/chat_token_ffi";
// The core's own types, which the bridge hands over as they are.
import { LoginOutcome, TokenEvent, TokenManagerError, type TokenInfo, LogLevel } from "../../../target/ffi/rn/ts/chat_token_core";

class Host implements TokenHost {
  manager?: TokenManager;
  fetchToken(request: FetchRequest): void {
    const op: bigint = request.op;
    void fetch("https://example.invalid/chat-token", { method: "POST" }).then(
      async (res) =>
        this.manager?.fetchFinished(
          BigInt(Date.now()),
          op,
          FetchOutcome.Http.new({
            status: res.status,
            body: await res.text(),
            retryAfter: res.headers.get("retry-after") ?? undefined,
            date: res.headers.get("date") ?? undefined,
          }),
        ),
      () => this.manager?.fetchFinished(BigInt(Date.now()), op, FetchOutcome.NetworkError.new()),
    );
  }
  abortFetch(_op: bigint): void {}
  login(op: bigint, token: TokenInfo): void {
    void Promise.resolve(token.token.length).then(() => this.manager?.loginFinished(BigInt(Date.now()), op, LoginOutcome.Ok));
  }
  logout(): void {}
  loadStored(): void {
    this.manager?.storedLoaded(BigInt(Date.now()), undefined);
  }
  saveStored(_entry: string): void {}
  clearStored(): void {}
  onEvent(event: TokenEvent): void {
    if (TokenEvent.Token.instanceOf(event)) {
      const expiresAt: bigint = event.inner[0].expiresAt;
      void expiresAt;
    }
  }
  log(_level: LogLevel, _message: string, _code: string | undefined): void {}
}

export async function main(): Promise<string> {
  const host = new Host();
  const options = ManagerOptions.create({ fetchTimeoutMs: 5_000n, retry: RetryOptions.create({ maxAttempts: 3 }) });
  const manager = new TokenManager(options, host);
  host.manager = manager;
  manager.setAppState(BigInt(Date.now()), AppState.Active);
  const next: bigint | undefined = manager.nextDeadlineMs();
  void next;
  try {
    const info: TokenInfo = await manager.getToken(BigInt(Date.now()));
    return info.token;
  } catch (e) {
    if (TokenManagerError.InvalidOptions.instanceOf(e)) return e.message;
    throw e;
  }
}

export function misuse(manager: TokenManager): void {
  // @ts-expect-error times are bigint epoch milliseconds, not number
  void manager.getToken(Date.now());
  // @ts-expect-error jitterRatio is a number
  ManagerOptions.create({ jitterRatio: "0.1" });
  // @ts-expect-error there is no such option
  ManagerOptions.create({ endpoint: "https://example.invalid" });
  // @ts-expect-error loginFinished takes a LoginOutcome
  manager.loginFinished(0n, 1n, true);
}
