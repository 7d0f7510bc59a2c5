import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { exportSftpCsv } from '../../src/cli/sftpExport';
import { SFTP_HEADERS } from '../../src/cli/sftpColumns';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sftp-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('export-sftp', () => {
  it("writes Klaviyo's SFTP headers, normalized values and custom properties, and reports rejects", async () => {
    const audience = write(
      'a.csv',
      [
        'email,first_name,last_name,phone_number,external_id,organization,title,city,region,country,zip,address1,address2,latitude,longitude,timezone,properties.tier,image',
        ' Ada@Example.COM ,Ada,Lovelace,(415) 555-0100,ext-1,Analytical,Countess,London,LDN,GB,N1,1 Main St,Flat 2,51.507351,-0.127758,Europe/London,gold,https://example.com/ada.png',
        'not-an-email,Bad,Row,,,,,,,,,,,,,,,',
        'bob@example.com,Bob,,,,,,,,,,,,,,,silver,',
        'carol@example.com,Carol,,12,,,,,,,,,,,,,,',
      ].join('\n'),
    );
    const out = path.join(dir, 'a.sftp.csv');
    const r = await exportSftpCsv({ type: 'csv', path: audience }, out);

    const rows = parse(fs.readFileSync(out), { columns: false }) as string[][];
    expect(rows[0]!.slice(0, 3)).toEqual(['Email', 'PhoneNumber', 'ExternalID']);
    expect(rows[0]).toEqual([...SFTP_HEADERS, 'tier']);
    expect(SFTP_HEADERS).toEqual([
      'Email', 'PhoneNumber', 'ExternalID', 'First Name', 'Last Name', 'Organization', 'Title', 'City', 'Region',
      'Country', 'Zip Code', 'Address', 'Address 2', 'Latitude', 'Longitude', 'Timezone',
    ]);
    const byHeader = (row: string[]) => Object.fromEntries(rows[0]!.map((h, i) => [h, row[i]]));
    const ada = byHeader(rows[1]!);
    expect(ada).toMatchObject({
      Email: 'ada@example.com',
      PhoneNumber: '+14155550100',
      ExternalID: 'ext-1',
      'First Name': 'Ada',
      'Zip Code': 'N1',
      Address: '1 Main St',
      'Address 2': 'Flat 2',
      Latitude: '51.5074',
      Longitude: '-0.1278',
      Timezone: 'Europe/London',
      tier: 'gold',
    });
    expect(byHeader(rows[2]!)).toMatchObject({ Email: 'bob@example.com', tier: 'silver', PhoneNumber: '' });
    expect(rows).toHaveLength(3);

    expect(r).toMatchObject({ rowsRead: 4, rowsExported: 2, rowsRejected: 2, propertyColumns: ['tier'], notExported: { image: 1 } });
    expect(r.rejectedByReason).toEqual({ invalid_email: 1, invalid_phone: 1 });
    const rejects = parse(fs.readFileSync(r.rejectsPath), { columns: true }) as Record<string, string>[];
    expect(rejects.map((x) => [x.row, x.reason])).toEqual([
      ['2', 'invalid_email'],
      ['4', 'invalid_phone'],
    ]);
  });
});
