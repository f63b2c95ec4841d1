import { describe, expect, it } from "vitest";
import { coreApiRoute } from "./core-api-scope.ts";

describe("coreApiRoute", () => {
  it.each([
    ["v2/Messages", "/api/v2", ["core:messages"]],
    ["v2/Messages/MSGabc/Attachments/FILx", "/api/v2", ["core:messages"]],
    ["core/v1/Account/Sync", "/api/core/v1", ["core:account"]],
    ["v2/RelationshipTemplates/Own", "/api/v2", ["core:relationshipTemplates"]],
    ["v2/Requests/Incoming/REQx/Accept", "/api/v2", ["core:requests", "core:requests:incoming"]],
    ["core/v1/Requests/Outgoing", "/api/core/v1", ["core:requests", "core:requests:outgoing"]],
    ["v2/requests/incoming", "/api/v2", ["core:requests", "core:requests:incoming"]],
    ["v2/IdentityDeletionProcess", "/api/v2", ["debug:identityDeletionProcess"]],
    // The Connector's router ignores case: a lower-case debug path still needs the debug scope.
    ["v2/identitydeletionprocess", "/api/v2", ["debug:identityDeletionProcess"]],
    ["v2/BackboneNotifications", "/api/v2", ["core:backboneNotifications"]],
  ])("%s → %s %j", (path, prefix, scopes) => {
    expect(coreApiRoute(path.split("/"))).toEqual({ prefix, scopes });
  });

  it.each([
    "v1/Messages",
    "V2/Messages",
    "core/V1/Messages",
    "v2",
    "core/v1",
    "v2/Messages;x",
    "v2/Me$sages",
    "admin",
  ])("%s is not forwarded", (path) => {
    expect(coreApiRoute(path.split("/"))).toBeUndefined();
  });
});
