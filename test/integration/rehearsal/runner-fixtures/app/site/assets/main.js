console.log('fixture')
