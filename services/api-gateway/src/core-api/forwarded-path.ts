import { AppError } from "@event-hub/shared";

/** The part of a request URL the proxy forwards: decoded path segments and the raw query. */
export type ForwardedPath = { segments: readonly string[]; query: string };

/** What would turn one segment into several, or hide a second encoding, besides control characters. */
const SEPARATORS = /[/\\%]/;

/** C0 control characters and DEL: never part of a Core API path, and CR/LF could split a request. */
function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
}

/**
 * The forwarded path of `url` (the request's, still percent-encoded): everything after the route's
 * first `fixedSegments` segments. Each segment is decoded exactly once and must then be plain:
 * no `.` or `..`, no `/`, `\` or `%` (an encoded slash, or a double encoding that a later decoder
 * would turn into one), no control characters, not empty (`//`). Refusing these instead of
 * resolving them means the scope is decided on the very path the Connector will see, and no
 * decoder between here and the Connector can make it climb out of `/api`.
 * Throws 400 `error.hub.proxy.invalidPath`.
 */
export function forwardedPath(url: string, fixedSegments: number): ForwardedPath {
  const queryAt = url.indexOf("?");
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? "" : url.slice(queryAt + 1);
  if (/[#\\]/.test(rawPath) || hasControlCharacter(rawPath))
    throw invalidPath("it holds #, \\ or a control character");
  const raw = rawPath.split("/").slice(fixedSegments + 1); // the path starts with "/"
  if (raw.length === 0) throw invalidPath("it is empty");
  return { segments: raw.map(decodeSegment), query };
}

function decodeSegment(raw: string): string {
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    throw invalidPath("it holds a malformed percent-encoding");
  }
  if (segment === "") throw invalidPath("it has an empty segment (//)");
  if (segment === "." || segment === "..") throw invalidPath("it has a dot segment (. or ..)");
  if (SEPARATORS.test(segment) || hasControlCharacter(segment))
    throw invalidPath("a segment holds an encoded /, \\ or %, or a control character");
  return segment;
}

/** The path as a Connector receives it: each segment percent-encoded on its own. */
export function encodePath(segments: readonly string[]): string {
  return segments.map(encodeURIComponent).join("/");
}

function invalidPath(why: string): AppError {
  return new AppError("error.hub.proxy.invalidPath", `the forwarded path is not allowed: ${why}`, 400);
}
