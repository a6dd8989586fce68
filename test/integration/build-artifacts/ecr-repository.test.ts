import { afterAll, describe, expect, it } from '@jest/globals'
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr'
import { errorMessage } from '../../../common/errors.js'
import { tagsAreImmutable } from '../../../actions/build-artifacts/src/ecr.js'
import { awsClient, uniqueName } from '../../helpers/fixtures.js'

const ecr = awsClient(ECRClient)

afterAll(() => {
  ecr.destroy()
})

describe('tagsAreImmutable', () => {
  it('reads the tag mutability', async () => {
    const repository = `shop/${uniqueName('api')}`
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: repository,
        imageTagMutability: 'IMMUTABLE',
      }),
    )

    expect(await tagsAreImmutable(ecr, repository)).toBe(true)
  })

  it('names the missing repository', async () => {
    const repository = `shop/${uniqueName('missing')}`
    const error = await tagsAreImmutable(ecr, repository).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )

    expect(error).toBeInstanceOf(Error)
    const message = errorMessage(error)
    expect(message).toContain(
      `ECR repository '${repository}' (ecr-repository) was not found`,
    )
    expect(message).toContain('Create the repository first')
  })
})
