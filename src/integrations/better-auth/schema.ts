// The fields this plugin adds to better-auth's `user` table.

export const recycledNumberGuardSchema = {
  user: {
    fields: {
      /**
       * When `phoneNumber` was bound to this user: the binding date the guard compares with the
       * carrier's reissue date and the aging period. Set by the plugin's database hooks whenever
       * `phoneNumber` gets a new value, cleared when it is removed. Null for users bound before
       * the plugin was installed (the plugin then uses `createdAt`, which is never later).
       */
      phoneBoundAt: { type: 'date', required: false, input: false, returned: false },
      /**
       * When the plugin took the number off this account because a new holder of the number
       * chose a fresh account: SMS sign-in is off for it until the owner binds a current number
       * (reach them by email or in-app; see `onNumberDetached`).
       */
      phoneDetachedAt: { type: 'date', required: false, input: false, returned: true },
    },
  },
} as const;

export type RecycledNumberGuardSchema = typeof recycledNumberGuardSchema;
