// The baseline: the token code the vendor guides have every app copy by hand (seeds 000 §4
// and 004): a cached token, a 5-minute margin, and a module-level `refreshInFlight` promise
// that dedupes concurrent callers. No retry, no backoff, no login single-flight.
export class SeedsTokenManager {
  constructor(fetchToken) {
    this.fetchToken = fetchToken;
    this.token = null;
    this.expiresAt = 0;
    this.refreshInFlight = null;
  }

  async getToken() {
    if (this.token && Date.now() < this.expiresAt - 300_000) return this.token;
    if (!this.refreshInFlight) {
      this.refreshInFlight = (async () => {
        const { authToken, expiresIn } = await this.fetchToken();
        this.token = authToken;
        this.expiresAt = Date.now() + expiresIn * 1000;
      })().finally(() => {
        this.refreshInFlight = null;
      });
    }
    await this.refreshInFlight;
    return this.token;
  }
}
