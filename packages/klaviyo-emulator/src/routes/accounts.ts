/** GET /api/accounts: the cheap call that proves a key works (XS tier: 1/s, 15/m). */
import type { ApiRoute } from '../router';

export const accountRoutes: ApiRoute[] = [
  {
    method: 'GET',
    template: '/api/accounts',
    handle(ctx) {
      const acc = ctx.account;
      const resource = {
        type: 'account',
        id: acc.id,
        attributes: {
          test_account: true,
          contact_information: {
            default_sender_name: `Emulated ${acc.name}`,
            default_sender_email: `owner@${acc.name}.example.com`,
            website_url: `https://${acc.name}.example.com`,
            organization_name: `Emulated account ${acc.name}`,
            street_address: { address1: '1 Example Street', address2: null, city: 'Boston', region: 'MA', country: 'US', zip: '02110' },
          },
          industry: null,
          timezone: 'UTC',
          preferred_currency: 'USD',
          public_api_key: acc.id,
          locale: 'en-US',
        },
        links: { self: `${ctx.baseUrl}/api/accounts/${acc.id}/` },
      };
      return { status: 200, body: { data: [resource], links: { self: ctx.selfUrl } } };
    },
  },
];
