// The throwaway PostgreSQL server lives in local-stack/, because the local
// rehearsal starts one too.
export {
  startPostgres,
  type LocalPostgres,
} from '../../local-stack/postgres.js'
