import { AppError } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { parseDateTime, parseOptionalDateTime } from "./date-time-input.ts";

describe("parseDateTime", () => {
  it.each([
    ["2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000Z"],
    ["2025-01-01t00:00:00z", "2025-01-01T00:00:00.000Z"],
    ["2025-01-01T01:30:00.5+01:30", "2025-01-01T00:00:00.500Z"],
  ])("reads %s", (value, iso) => {
    expect(parseDateTime(value, "body/since").toISOString()).toBe(iso);
  });

  it.each(["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2016-12-31T22:59:60-01:00"])(
    "answers a leap second (%s) with a 400 naming the field",
    (value) => {
      const error = (() => {
        try {
          parseDateTime(value, "querystring/until");
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ statusCode: 400, code: "error.hub.validation" });
      expect((error as AppError).message).toMatch(/^querystring\/until: /);
    },
  );

  it("leaves an absent optional input absent", () => {
    expect(parseOptionalDateTime(undefined, "body/until")).toBeUndefined();
    expect(parseOptionalDateTime("2025-01-01T00:00:00Z", "body/until")).toEqual(
      new Date("2025-01-01T00:00:00Z"),
    );
  });
});
