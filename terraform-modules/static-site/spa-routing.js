// CloudFront Function (viewer request) of the static-site module. A request
// whose last path segment has no file extension is a client-side route, so
// it gets the root object. A request for a file is left unchanged.
function handler(event) {
  var request = event.request
  var lastSegment = request.uri.substring(request.uri.lastIndexOf('/') + 1)
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/${root_object}'
  }
  return request
}
