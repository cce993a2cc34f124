/**
 * GET /login?token=… (the URL the server prints on first start, or `note-eval tokens create
 * --login-url`): checks the token and stores it in an HttpOnly, SameSite=Strict cookie, so the
 * dashboard and the IDE authenticate without the page's scripts ever seeing the token; then
 * redirects to the dashboard, which takes the token out of the address bar and the history.
 * GET /logout clears the cookie.
 */
import type { Express, Request, Response } from "express";
import { AUTH_COOKIE } from "./credentials";
import type { VerifyToken } from "./http-guard";

export const LOGIN_PATH = "/login";
const COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;

/** Only paths of this server: no `//other.example` or absolute URLs (open redirect). */
function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?![/\\])/.test(value) ? value : "/";
}

function cookie(req: Request, value: string, maxAgeS: number): string {
  const secure = req.secure ? "; Secure" : "";
  return `${AUTH_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

export function mountLogin(app: Express, verify: VerifyToken): void {
  app.get(LOGIN_PATH, async (req: Request, res: Response) => {
    res.set({ "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" });
    const token = typeof req.query.token === "string" ? req.query.token : "";
    const principal = token ? await verify(token) : undefined;
    if (!principal) {
      res
        .status(401)
        .type("text")
        .send(
          "This login link is not valid (mistyped, or its token was revoked).\n" +
            "Create a new one on the server: npm run cli -- tokens create --name <you> --role admin --login-url\n",
        );
      return;
    }
    res.set("Set-Cookie", cookie(req, token, COOKIE_MAX_AGE_S));
    res.redirect(303, safeNext(req.query.next));
  });

  app.get("/logout", (req: Request, res: Response) => {
    res.set("Set-Cookie", cookie(req, "", 0));
    res.redirect(303, "/");
  });
}

/** The login URL for a token, on the address the server listens on (loopback for a wildcard bind). */
export function loginUrl(serverOrigin: string, token: string): string {
  return `${serverOrigin}${LOGIN_PATH}?token=${encodeURIComponent(token)}`;
}
