import { describe, expect, it } from "vitest";
import { coreApiScope } from "./core-api-scope.ts";

describe("coreApiScope", () => {
  it.each([
    ["v2/Messages", ["core:messages"]],
    ["v2/Messages/MSGabc/Attachments/FILx", ["core:messages"]],
    ["core/v1/Account/Sync", ["core:account"]],
    ["v2/RelationshipTemplates/Own", ["core:relationshipTemplates"]],
    ["v2/Requests/Incoming/REQx/Accept", ["core:requests", "core:requests:incoming"]],
    ["core/v1/Requests/Outgoing", ["core:requests", "core:requests:outgoing"]],
    ["v2/IdentityDeletionProcess", ["debug:identityDeletionProcess"]],
    ["v2/BackboneNotifications", ["core:backboneNotifications"]],
    ["v1/Messages", undefined],
    ["v2/", undefined],
    ["../admin", undefined],
  ])("%s → %s", (path, scope) => {
    expect(coreApiScope(path)).toEqual(scope);
  });
});
