import { describe, expect, it } from "vitest";
import {
  AppError,
  ConfigError,
  badRequest,
  conflict,
  errorEnvelope,
  forbidden,
  newErrorId,
  notFound,
  unauthorized,
} from "./errors.ts";

describe("AppError", () => {
  it("defaults to status 400 and keeps code, message, details and cause", () => {
    const cause = new Error("low level");
    const error = new AppError("error.hub.validation", "bad", undefined, { details: "row 3", cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "AppError", code: "error.hub.validation", message: "bad" });
    expect(error.statusCode).toBe(400);
    expect(error.details).toBe("row 3");
    expect(error.cause).toBe(cause);
  });

  it.each([
    [badRequest, 400],
    [unauthorized, 401],
    [forbidden, 403],
    [notFound, 404],
    [conflict, 409],
  ] as const)("%o gives status %i", (factory, status) => {
    const error = factory("error.hub.x", "message");
    expect(error).toBeInstanceOf(AppError);
    expect(error.statusCode).toBe(status);
    expect(error.code).toBe("error.hub.x");
  });
});

describe("ConfigError", () => {
  it("is an Error named ConfigError", () => {
    const error = new ConfigError("PORT must be an integer");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
    expect(String(error)).toBe("ConfigError: PORT must be an integer");
  });
});

describe("newErrorId", () => {
  it('is "ERR" and 17 characters of the Connector alphabet', () => {
    const ids = Array.from({ length: 1000 }, newErrorId);
    for (const id of ids) expect(id).toMatch(/^ERR[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{17}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("errorEnvelope", () => {
  it("has id, code, message and an ISO time", () => {
    const { error } = errorEnvelope("error.hub.webhookNotFound", "Webhook whk_1 not found.");
    expect(error).toEqual({
      id: expect.stringMatching(/^ERR.{17}$/),
      code: "error.hub.webhookNotFound",
      message: "Webhook whk_1 not found.",
      time: expect.any(String),
    });
    expect(new Date(error.time).toISOString()).toBe(error.time);
    expect(error).not.toHaveProperty("docs");
  });

  it("adds docs when given", () => {
    expect(errorEnvelope("error.hub.x", "m", "https://example.com/x").error.docs).toBe(
      "https://example.com/x",
    );
  });
});
