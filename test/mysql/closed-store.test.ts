/** A closed MySQL store fails every call with `StoreClosedError`, as the SQLite store does, in each connection form. */
import { expect, it } from 'vitest'
import { mysqlStore } from '../../adapters/mysql/index.js'
import { StoreClosedError } from '../../src/index.js'
import { describeMysql } from '../helpers/mysql.js'

describeMysql('mysql store: closed', (database) => {
  it('after close(), calls reject with StoreClosedError ({ uri } and { pool })', async () => {
    const own = await database.store()
    const shared = mysqlStore({ pool: database.newPool({ connectionLimit: 2 }) })
    for (const store of [own, shared]) {
      expect((await store.heads(['t'])).get('t')).toMatch(/\.0$/)
      await store.close()
      await expect(store.heads(['t'])).rejects.toBeInstanceOf(StoreClosedError)
      await expect(store.append([{ topic: 't', type: 'n', data: '{}' }])).rejects.toBeInstanceOf(StoreClosedError)
    }
  })
})
