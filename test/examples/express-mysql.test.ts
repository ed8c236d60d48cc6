/** The Express example on MariaDB (`examples/express-mysql`): the example suite, on a scratch database. */
import { start } from '../../examples/express-mysql/server.js'
import { describeMysql } from '../helpers/mysql.js'
import { describeExample } from './example-suite.js'

describeMysql('express-mysql example', (database) => {
  describeExample('express-mysql', start, {
    open: async () => ({
      options: { databaseUrl: database.url },
      async rowStatus(table, id) {
        const [row] = await database.query<{ status: string }>(`SELECT status FROM ${table} WHERE id = ?`, [id])
        return row?.status as string
      },
      remove: async () => {}, // the database is dropped with the file's
    }),
  })
})
